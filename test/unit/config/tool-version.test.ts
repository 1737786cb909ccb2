import { describe, expect, it } from 'vitest';
import { parseToolVersion, satisfiesToolVersion } from '../../../src/config/tool-version.js';

/** [what the project writes, versions it accepts, versions it refuses] — Terraform's own meaning. */
const cases: Array<[string, string[], string[]]> = [
  ['1.11.6', ['1.11.6'], ['1.11.5', '1.11.7', '1.12.6']],
  ['v1.5.7', ['1.5.7'], ['1.5.6']],
  ['= 1.11.6', ['1.11.6'], ['1.11.7']],
  ['~> 1.11.0', ['1.11.0', '1.11.6'], ['1.10.9', '1.12.0']],
  ['~> 1.11', ['1.11.0', '1.12.6', '1.99.0'], ['1.10.10', '2.0.0']],
  ['~> 1', ['1.0.0', '1.12.6', '2.1.0'], ['0.15.5']],
  ['>= 1.10, < 1.12', ['1.10.0', '1.11.6'], ['1.9.9', '1.12.0']],
  ['>1.11.0,<=1.12.6', ['1.11.1', '1.12.6'], ['1.11.0', '1.12.7']],
  ['~> 1.11.0, != 1.11.2', ['1.11.1', '1.11.6'], ['1.11.2', '1.12.0']],
  ['>= 1.12.0', ['1.12.6'], ['1.12.0-beta1', '1.11.6']],
  ['1.12.0-beta1', ['1.12.0-beta1'], ['1.12.0']],
];

describe('tool versions and constraints', () => {
  it.each(cases)('%s', (text, accepted, refused) => {
    const wanted = parseToolVersion(text);
    expect(wanted).toBeDefined();
    if (!wanted) return;
    for (const version of accepted)
      expect([version, satisfiesToolVersion(version, wanted)]).toEqual([version, true]);
    for (const version of refused)
      expect([version, satisfiesToolVersion(version, wanted)]).toEqual([version, false]);
  });

  it.each([
    'latest',
    '',
    '1.11',
    '1',
    '= 1.11.6, >= 1.10',
    '^1.11.0',
    '~1.11.0',
    '>= 1.10 < 1.12',
    '1.11.6 || 1.12.6',
    '>= one',
  ])('refuses %j', (text) => {
    expect(parseToolVersion(text)).toBeUndefined();
  });

  it('says when the text names one version', () => {
    expect(parseToolVersion(' v1.11.6 ')).toMatchObject({ text: 'v1.11.6', exact: '1.11.6' });
    expect(parseToolVersion('~> 1.11.0')?.exact).toBeUndefined();
  });
});
