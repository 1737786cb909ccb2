import { describe, expect, it } from 'vitest';
import { isLocalSource, moduleSources } from '../../../src/projects/module-sources.js';

describe('moduleSources', () => {
  it.each([
    ['a plain block', 'module "a" {\n  source = "../a"\n}\n', ['../a']],
    [
      'two blocks on one line',
      'module "a" { source = "./a" }\nmodule "b" { source = "./b" }',
      ['./a', './b'],
    ],
    ['escaped quotes', 'module "a" {\n  source = "./we\\"ird"\n}', ['./we"ird']],
    ['a templated source is not static', 'module "a" {\n  source = "./${var.x}"\n}', []],
    [
      "a nested block's source is not the module's",
      'module "a" {\n  x {\n    source = "./no"\n  }\n  source = "./yes"\n}',
      ['./yes'],
    ],
    ['a block comment spanning the block', '/*\nmodule "a" {\n  source = "./a"\n}\n*/', []],
    ['a resource attribute named source', 'resource "x" "y" {\n  source = "./file"\n}', []],
    [
      'a heredoc with braces before the block',
      'locals {\n  a = <<EOT\n}}}{{\nEOT\n}\nmodule "a" {\n  source = "./a"\n}',
      ['./a'],
    ],
    ['an unterminated file', 'module "a" {\n  source = "./a"\n', ['./a']],
    [
      'a string with comment markers',
      'module "a" {\n  name = "# not // a comment"\n  source = "./a"\n}',
      ['./a'],
    ],
  ])('HCL: %s', (_, text, expected) => {
    expect(moduleSources(text, 'hcl')).toEqual(expected);
  });

  it.each([
    [
      'object form',
      { module: { a: { source: './a' }, b: { source: 'hashicorp/x/y' } } },
      ['./a', 'hashicorp/x/y'],
    ],
    ['array of objects', { module: [{ a: { source: './a' } }, { b: [{ source: './b' }] }] }, ['./a', './b']],
    ['no modules', { resource: {} }, []],
  ])('JSON: %s', (_, json, expected) => {
    expect(moduleSources(JSON.stringify(json), 'json')).toEqual(expected);
  });

  it('ignores JSON that does not parse', () => {
    expect(moduleSources('{"module": ', 'json')).toEqual([]);
  });

  it.each([
    ['./a', true],
    ['../a', true],
    ['a', false],
    ['/abs', false],
    ['git::https://x', false],
    ['registry.terraform.io/a/b/c', false],
  ])('isLocalSource(%s) = %s', (source, local) => {
    expect(isLocalSource(source)).toBe(local);
  });
});
