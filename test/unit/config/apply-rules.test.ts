import { describe, expect, it } from 'vitest';
import { resolveApplyRules } from '../../../src/config/apply-rules.js';
import { defaultRules, type RepoRules } from '../../../src/config/rules.js';

const SERVER: RepoRules = { ...defaultRules('comment'), lockMode: 'plan', automerge: false };
const ALLOWING: RepoRules = { ...SERVER, allowedOverrides: ['apply_requirements', 'lock_mode'] };
const BASE = {
  file: 'sluice.yaml',
  text: 'version: 1\nlock_mode: apply\nautomerge: true\nprojects:\n  - dir: dev\n    apply_requirements: []\n  - dir: prod\n',
};

describe('resolveApplyRules (the default branch config, never the PR head)', () => {
  it.each([
    [
      'no config on the default branch: the server rules',
      SERVER,
      undefined,
      'dev',
      ['approved', 'mergeable', 'undiverged'],
      'plan',
      false,
    ],
    ['overrides the server allows', ALLOWING, BASE, 'dev', [], 'apply', true],
    [
      'a project without its own requirements',
      ALLOWING,
      BASE,
      'prod',
      ['approved', 'mergeable', 'undiverged'],
      'apply',
      true,
    ],
    [
      'a default branch config with keys the server does not allow is ignored',
      SERVER,
      BASE,
      'dev',
      ['approved', 'mergeable', 'undiverged'],
      'plan',
      false,
    ],
    [
      'an atlantis.yaml on the default branch',
      ALLOWING,
      {
        file: 'atlantis.yaml',
        text: 'version: 3\nrepo_locks:\n  mode: disabled\nprojects:\n  - dir: dev\n    apply_requirements: [approved]\n',
      },
      'dev',
      ['approved'],
      'off',
      false,
    ],
  ] as const)('%s', (_, rules, base, project, requirements, lockMode, automerge) => {
    const resolved = resolveApplyRules(rules, base);
    expect(resolved.applyRequirementsFor({ name: project })).toEqual(requirements);
    expect(resolved.lockMode).toBe(lockMode);
    expect(resolved.automerge).toBe(automerge);
  });

  it('reports why a default branch config was ignored', () => {
    expect(resolveApplyRules(SERVER, BASE).issues.map((i) => `${i.line}:${i.column}`)).toEqual([
      '2:1',
      '6:5',
    ]);
  });
});
