import { describe, expect, it } from 'vitest';
import { compileRules, globToRegExp, matchesRules } from '../../../src/projects/glob.js';

describe('globToRegExp', () => {
  it.each([
    ['**/*.tf*', 'main.tf', true],
    ['**/*.tf*', 'a/b/main.tf.json', true],
    ['**/*.tf*', 'a/b/x.tfvars', true],
    ['**/*.tf*', 'README.md', false],
    ['*.tf', 'main.tf', true],
    ['*.tf', 'sub/main.tf', false],
    ['modules/**', 'modules/a/b/c.tf', true],
    ['modules/**', 'modulesx/a.tf', false],
    ['a/**/b.tf', 'a/b.tf', true],
    ['a/**/b.tf', 'a/x/y/b.tf', true],
    ['?.tf', 'a.tf', true],
    ['?.tf', 'ab.tf', false],
    ['[ab].tf', 'b.tf', true],
    ['[!ab].tf', 'b.tf', false],
    ['*.{tf,tofu}', 'x.tofu', true],
    ['*.{tf,tofu}', 'x.hcl', false],
    ['a+b(c).tf', 'a+b(c).tf', true],
    ['**/.terraform.lock.hcl', 'x/.terraform.lock.hcl', true],
  ])('%s vs %s → %s', (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});

describe('matchesRules', () => {
  it('lets the last matching rule decide, and drops patterns that do not resolve', () => {
    const rules = compileRules(['**/*', '!docs/**', 'docs/keep.md', '../../x'], (p) =>
      p.startsWith('..') ? undefined : p,
    );
    expect(rules).toHaveLength(3);
    expect(matchesRules(rules, 'main.tf')).toBe(true);
    expect(matchesRules(rules, 'docs/a.md')).toBe(false);
    expect(matchesRules(rules, 'docs/keep.md')).toBe(true);
  });

  it('matches a file under a folder the pattern names, as .dockerignore does', () => {
    const rules = compileRules(['modules', '*.tf', '!modules/legacy'], (p) => p);
    expect(matchesRules(rules, 'modules/vpc/main.tf')).toBe(true);
    expect(matchesRules(rules, 'modules/legacy/main.tf')).toBe(false);
    expect(matchesRules(rules, 'modules.md')).toBe(false);
    expect(matchesRules(rules, 'main.tf')).toBe(true);
    expect(matchesRules(rules, 'sub/main.tf')).toBe(false);
  });

  it('treats dot files and dot folders like any other', () => {
    const rules = compileRules(['**/*.hcl'], (p) => p);
    expect(matchesRules(rules, '.config/x.hcl')).toBe(true);
    expect(matchesRules(rules, 'env/.terraform.lock.hcl')).toBe(true);
  });
});
