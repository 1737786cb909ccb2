import { describe, expect, it } from 'vitest';
import { passedNotices, resolvePassEnv, splitPassEnv } from '../../../src/local/pass-env.js';

const env = {
  AWS_PROFILE: 'dev',
  TF_VAR_region: 'eu-west-1',
  TF_VAR_size: 'small',
  TF_PLUGIN_CACHE_DIR: '/cache',
  PATH: '/usr/bin',
  SLUICE_X: 'y',
};

describe('resolvePassEnv', () => {
  it('passes named variables and every set variable a glob matches, sorted, once', () => {
    expect(resolvePassEnv(['TF_VAR_*', 'AWS_PROFILE', 'TF_VAR_size'], env)).toEqual({
      names: ['AWS_PROFILE', 'TF_VAR_region', 'TF_VAR_size'],
      unset: [],
      unmatched: [],
      reserved: [],
    });
  });

  it('says which names are not set, which globs matched nothing, and skips Sluice’s own variables', () => {
    expect(resolvePassEnv(['AWS_REGION', 'GOOGLE_*', 'TF_*', 'SLUICE_*'], env)).toEqual({
      names: ['TF_VAR_region', 'TF_VAR_size'],
      unset: ['AWS_REGION'],
      unmatched: ['GOOGLE_*'],
      reserved: ['SLUICE_X', 'TF_PLUGIN_CACHE_DIR'],
    });
  });

  it.each([
    ['PATH', 'is set by Sluice itself'],
    ['TF_PLUGIN_CACHE_DIR', 'is set by Sluice itself'],
    ['NOT-A-NAME', 'is not a variable name'],
  ])('refuses %s', (name, message) => {
    expect(() => resolvePassEnv([name], env)).toThrow(message);
  });

  it('splits comma lists from repeated flags', () => {
    expect(splitPassEnv(['A,B', ' TF_VAR_* ', ''])).toEqual(['A', 'B', 'TF_VAR_*']);
  });

  it('names what was passed, never a value', () => {
    const lines = passedNotices(resolvePassEnv(['TF_VAR_*', 'AWS_REGION'], env), [{ shown: '~/.aws' }]);
    expect(lines).toEqual([
      'passing 2 variables to the plan steps (values not shown): TF_VAR_region, TF_VAR_size',
      'not set here, so not passed: AWS_REGION',
      'mounted read-only: ~/.aws',
    ]);
    expect(lines.join('\n')).not.toMatch(/eu-west-1|small/);
  });
});
