import { describe, expect, it } from 'vitest';
import type { PullRequest } from '../../../src/forge/types.js';
import { pullRequestFacts } from '../../../src/jobs/run-facts.js';

const pull = (over: Partial<PullRequest> = {}): PullRequest => ({
  ref: {
    repo: {
      forge: 'gitlab',
      id: '9',
      owner: 'platform/infra',
      name: 'live',
      fullName: 'platform/infra/live',
    },
    number: 31,
  },
  title: 'Bigger instances',
  author: 'alice',
  url: 'https://gitlab.example.com/platform/infra/live/-/merge_requests/31',
  state: 'open',
  draft: false,
  fromFork: false,
  headSha: 'h'.repeat(40),
  headBranch: 'bigger',
  baseSha: 'b'.repeat(40),
  baseBranch: 'main',
  ...over,
});

describe('pullRequestFacts', () => {
  it('tells the steps about the pull request, its repository and who asked', () => {
    expect(pullRequestFacts(pull(), { headSha: 'c'.repeat(40), user: 'bob', commentArgs: ['-x'] })).toEqual({
      prNumber: 31,
      headSha: 'c'.repeat(40),
      baseBranch: 'main',
      headBranch: 'bigger',
      user: 'bob',
      commentArgs: ['-x'],
      repo: { owner: 'platform/infra', name: 'live' },
      headRepo: { owner: 'platform/infra', name: 'live' },
      pullUrl: 'https://gitlab.example.com/platform/infra/live/-/merge_requests/31',
      pullAuthor: 'alice',
    });
  });

  it.each([
    ['a branch of the repository', {}, { owner: 'platform/infra', name: 'live' }],
    [
      'a fork the forge names',
      { fromFork: true, headRepo: { owner: 'outsider', name: 'live' } },
      { owner: 'outsider', name: 'live' },
    ],
    ['a fork the forge does not name', { fromFork: true }, undefined],
  ] as const)('head repository of %s', (_, over, expected) => {
    expect(pullRequestFacts(pull(over), { headSha: 'c'.repeat(40) }).headRepo).toEqual(expected);
  });
});
