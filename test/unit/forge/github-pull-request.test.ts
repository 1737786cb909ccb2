import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubForge, isFork } from '../../../src/forge/github/github-forge.js';
import type { RepoRef } from '../../../src/forge/types.js';
import { type FakeGitHub, startFakeGitHub } from '../../fakes/github/fake-github.js';

describe('isFork (GitHub head and base repositories)', () => {
  it.each([
    ['the same repository', { full_name: 'acme/infra' }, false],
    ['the same repository, other case', { full_name: 'ACME/Infra' }, false],
    ['a fork', { full_name: 'outsider/infra' }, true],
    ['a deleted fork (head.repo null)', null, true],
  ] as const)('%s', (_, head, expected) => {
    expect(isFork(head, { full_name: 'acme/infra' })).toBe(expected);
  });
});

describe('getPullRequest on GitHub (fake validated against the OpenAPI description)', () => {
  let fake: FakeGitHub;
  let forge: GitHubForge;
  const repo: RepoRef = {
    forge: 'github',
    id: '1',
    owner: 'acme',
    name: 'infra',
    fullName: 'acme/infra',
    auth: { installationId: 1 },
  };
  const HEAD = 'a'.repeat(40);
  const BASE = 'b'.repeat(40);

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: 'acme', name: 'infra', cloneUrl: 'file:///nonexistent' });
    const pull = { owner: 'acme', repo: 'infra', base: { ref: 'main', sha: BASE }, files: [] };
    fake.addPullRequest({ ...pull, number: 1, head: { ref: 'feature', sha: HEAD }, author: 'dev' });
    fake.addPullRequest({
      ...pull,
      number: 2,
      head: { ref: 'patch-1', sha: HEAD },
      author: 'outsider',
      forkOwner: 'outsider',
    });
    const probot = new Probot({ appId: fake.appId, privateKey: fake.privateKeyPem, baseUrl: fake.apiUrl });
    forge = new GitHubForge({ probot });
  });
  afterAll(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  it('reads a pull request from a branch of the repository as not from a fork', async () => {
    expect(await forge.getPullRequest({ repo, number: 1 })).toMatchObject({
      fromFork: false,
      headRepo: { owner: 'acme', name: 'infra' },
      headBranch: 'feature',
      headSha: HEAD,
      baseSha: BASE,
      draft: false,
    });
  });

  it('reads a pull request whose head is in another repository as from a fork', async () => {
    expect(await forge.getPullRequest({ repo, number: 2 })).toMatchObject({
      fromFork: true,
      headBranch: 'patch-1',
      headRepo: { owner: 'outsider', name: 'infra' },
    });
  });

  it('lists each reviewer’s latest approval with the commit and the time it was given', async () => {
    const review = { owner: 'acme', repo: 'infra', number: 1, commitId: HEAD } as const;
    fake.addReview({ ...review, user: 'alice', state: 'APPROVED' });
    fake.addReview({ ...review, user: 'bob', state: 'COMMENTED' });
    const approvals = await forge.listApprovals({ repo, number: 1 });
    expect(approvals).toEqual([
      {
        user: 'alice',
        commitSha: HEAD,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        dismissed: false,
      },
    ]);
  });
});
