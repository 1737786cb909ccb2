import { describe, expect, it } from 'vitest';
import type { PullRequest } from '../../../src/forge/types.js';
import { rulesCommit } from '../../../src/jobs/rules-commit.js';

const MAIN_HEAD = 'd'.repeat(40);
const BASE = 'b'.repeat(40);

const pull = (over: Partial<PullRequest>): PullRequest => ({
  ref: {
    repo: { forge: 'github', id: '1', owner: 'acme', name: 'infra', fullName: 'acme/infra' },
    number: 4,
  },
  title: 'Change',
  author: 'dev',
  url: 'https://github.example.com/acme/infra/pull/4',
  state: 'open',
  draft: false,
  fromFork: false,
  headSha: 'h'.repeat(40),
  headBranch: 'feature-4',
  baseSha: BASE,
  baseBranch: 'main',
  ...over,
});

const forge = { getDefaultBranch: async () => ({ name: 'main', sha: MAIN_HEAD }) };

describe('rulesCommit (where the rules for applying are read)', () => {
  it.each([
    ['an open PR into the default branch: its head', { state: 'open', baseBranch: 'main' }, MAIN_HEAD],
    [
      'an open PR into another branch: the default branch’s head',
      { state: 'open', baseBranch: 'release' },
      MAIN_HEAD,
    ],
    [
      'a PR merged into another branch: the default branch’s head',
      { state: 'merged', baseBranch: 'release' },
      MAIN_HEAD,
    ],
    ['a closed PR into the default branch: its head', { state: 'closed', baseBranch: 'main' }, MAIN_HEAD],
    [
      'a PR merged into the default branch, whose config is there now: its base commit',
      { state: 'merged', baseBranch: 'main' },
      BASE,
    ],
  ] as const)('%s', async (_, over, expected) => {
    expect(await rulesCommit(forge, pull(over))).toBe(expected);
  });
});
