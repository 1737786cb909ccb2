import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SluiceError } from '../../../src/errors.js';
import { GitLabForge, headAt, permissionOf } from '../../../src/forge/gitlab/gitlab-forge.js';
import type { PullRequestRef, RepoRef } from '../../../src/forge/types.js';
import { type FakeGitLab, startFakeGitLab } from '../../fakes/gitlab/fake-gitlab.js';
import type { FileChange } from '../../fakes/gitlab/state.js';

const PROJECT = 'acme/infra';
const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const CLONE_URL = 'file:///tmp/sluice-origin.git';
const MARKER = '<!-- sluice:plan -->';
const isOurs = (context: string) => context.startsWith('sluice/');

describe('GitLabForge against the fake GitLab', () => {
  let fake: FakeGitLab;
  let forge: GitLabForge;
  let repo: RepoRef;
  let pr: PullRequestRef;

  const openMergeRequest = (files: FileChange[], extra: { approvalsRequired?: number } = {}) =>
    fake.addMergeRequest({
      project: PROJECT,
      iid: 7,
      sourceBranch: 'feature',
      headSha: HEAD,
      baseSha: BASE,
      author: 'dev',
      title: 'Grow the cluster',
      files,
      ...extra,
    });
  const calls = (pattern: RegExp) => fake.requests.filter((r) => pattern.test(`${r.method} ${r.path}`));
  const pages = (pattern: RegExp) =>
    calls(pattern).map((r) => {
      const query = new URLSearchParams(r.query);
      return { page: query.get('page'), per_page: query.get('per_page'), sort: query.get('sort') };
    });

  beforeEach(async () => {
    fake = await startFakeGitLab();
    const project = fake.addProject({ path: PROJECT, cloneUrl: CLONE_URL, authorApproval: true });
    repo = { forge: 'gitlab', id: String(project.id), owner: 'acme', name: 'infra', fullName: PROJECT };
    pr = { repo, number: 7 };
    openMergeRequest([{ filename: 'envs/prod/main.tf', status: 'modified' }]);
    forge = new GitLabForge({ url: fake.url, token: fake.token, settleDelaysMs: [0, 0, 0] });
  });
  afterEach(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  it('describes GitLab: 1,000,000-character notes, Mermaid, merge requests written !n', () => {
    expect(forge.kind).toBe('gitlab');
    expect(forge.capabilities).toEqual({
      maxCommentLength: 1_000_000,
      mermaid: true,
      changeRequest: { noun: 'merge request', short: 'MR', prefix: '!' },
    });
  });

  describe('merge requests', () => {
    it('reads a merge request as a pull request', async () => {
      expect(await forge.getPullRequest(pr)).toEqual({
        ref: pr,
        title: 'Grow the cluster',
        author: 'dev',
        url: `${fake.url}/${PROJECT}/-/merge_requests/7`,
        state: 'open',
        draft: false,
        fromFork: false,
        headSha: HEAD,
        headBranch: 'feature',
        baseSha: BASE,
        baseBranch: 'main',
        mergeCommitSha: undefined,
      });
    });

    it('reports a merge request from a fork (source project differs from the target)', async () => {
      fake.addMergeRequest({
        project: PROJECT,
        iid: 8,
        sourceBranch: 'feature',
        headSha: HEAD,
        baseSha: BASE,
        author: 'outsider',
        files: [],
        sourceProjectId: 999_001,
      });
      expect(await forge.getPullRequest({ repo, number: 8 })).toMatchObject({ fromFork: true });
      expect(await forge.getPullRequest(pr)).toMatchObject({ fromFork: false });
    });

    it('reports drafts, closed and merged merge requests', async () => {
      fake.updateMergeRequest({ project: PROJECT, iid: 7, draft: true });
      expect(await forge.getPullRequest(pr)).toMatchObject({ draft: true, state: 'open' });
      fake.updateMergeRequest({ project: PROJECT, iid: 7, draft: false, state: 'closed' });
      expect(await forge.getPullRequest(pr)).toMatchObject({ state: 'closed' });
      fake.updateMergeRequest({ project: PROJECT, iid: 7, state: 'merged', mergeCommitSha: 'c'.repeat(40) });
      expect(await forge.getPullRequest(pr)).toMatchObject({
        state: 'merged',
        mergeCommitSha: 'c'.repeat(40),
      });
    });

    it('lists changed files from the diffs, with added, removed and renamed flags', async () => {
      fake.updateMergeRequest({
        project: PROJECT,
        iid: 7,
        files: [
          { filename: 'envs/prod/main.tf', status: 'modified' },
          { filename: 'envs/new/main.tf', status: 'added' },
          { filename: 'envs/old/main.tf', status: 'removed' },
          { filename: 'network/new.tf', status: 'renamed', previous_filename: 'network/old.tf' },
        ],
      });
      expect(await forge.listChangedFiles(pr)).toEqual([
        { path: 'envs/prod/main.tf', status: 'modified' },
        { path: 'envs/new/main.tf', status: 'added' },
        { path: 'envs/old/main.tf', status: 'removed' },
        { path: 'network/new.tf', status: 'renamed', previousPath: 'network/old.tf' },
      ]);
    });

    it('follows the pages of a long diff', async () => {
      const files = Array.from({ length: 250 }, (_, i) => ({
        filename: `modules/m${i}/main.tf`,
        status: 'added' as const,
      }));
      fake.updateMergeRequest({ project: PROJECT, iid: 7, files });
      const changed = await forge.listChangedFiles(pr);
      expect(changed.map((f) => f.path)).toEqual(files.map((f) => f.filename));
      expect(pages(/\/diffs$/)).toEqual([
        { page: null, per_page: '100', sort: null },
        { page: '2', per_page: '100', sort: null },
        { page: '3', per_page: '100', sort: null },
      ]);
    });

    it('wraps GitLab refusals in a retryable error that names the call, never the token', async () => {
      const missing = { repo, number: 99 };
      const error = await forge.getPullRequest(missing).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SluiceError);
      expect(error).toMatchObject({ code: 'FORGE_REQUEST_FAILED', retryable: true });
      expect((error as Error).message).toMatch(
        /read merge request !99 on acme\/infra \(HTTP 404\): 404 Merge Request Not Found/,
      );
      expect(JSON.stringify(error)).not.toContain(fake.token);
      expect((error as Error).message).not.toContain(fake.token);
    });
  });

  describe('default branch', () => {
    it("names the project's default branch and the commit at its head now", async () => {
      fake.setBranch(PROJECT, 'main', BASE);
      fake.setBranch(PROJECT, 'release', HEAD);
      expect(await forge.getDefaultBranch(repo)).toEqual({ name: 'main', sha: BASE });
      const pushed = 'c'.repeat(40);
      fake.setBranch(PROJECT, 'main', pushed);
      expect(await forge.getDefaultBranch(repo)).toEqual({ name: 'main', sha: pushed });
      expect(calls(/repository\/branches/).map((r) => r.path)).toEqual([
        `/api/v4/projects/${repo.id}/repository/branches/main`,
        `/api/v4/projects/${repo.id}/repository/branches/main`,
      ]);
    });

    it('reads a default branch whose name has a slash (URL-encoded in the path)', async () => {
      const nested = fake.addProject({ path: 'acme/nested', cloneUrl: CLONE_URL, defaultBranch: 'env/prod' });
      fake.setBranch('acme/nested', 'env/prod', HEAD);
      const nestedRepo = { ...repo, id: String(nested.id), name: 'nested', fullName: 'acme/nested' };
      expect(await forge.getDefaultBranch(nestedRepo)).toEqual({ name: 'env/prod', sha: HEAD });
      expect(calls(/repository\/branches/).map((r) => r.path)).toEqual([
        `/api/v4/projects/${nested.id}/repository/branches/env%2Fprod`,
      ]);
    });

    it('fails with a retryable forge error when GitLab has no such branch', async () => {
      const error = await forge.getDefaultBranch(repo).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SluiceError);
      expect(error).toMatchObject({ code: 'FORGE_REQUEST_FAILED', retryable: true });
      expect((error as Error).message).toMatch(
        /read the default branch on acme\/infra \(HTTP 404\): 404 Branch Not Found/,
      );
    });
  });

  describe('notes', () => {
    it('creates, finds by marker, edits and deletes its notes', async () => {
      fake.addNote({ project: PROJECT, iid: 7, author: 'dev', body: 'looks fine' });
      fake.addNote({ project: PROJECT, iid: 7, author: 'dev', body: `quoting ${MARKER}`, system: true });
      const id = await forge.createComment(pr, `${MARKER}\nplan: 1 to add`);
      expect(fake.comments(PROJECT, 7).at(-1)).toMatchObject({ id: Number(id), user: fake.botUsername });

      expect(await forge.findComments(pr, MARKER)).toEqual([
        { id, body: `${MARKER}\nplan: 1 to add`, author: fake.botUsername },
      ]);
      await forge.updateComment(pr, id, `${MARKER}\nplan: 2 to add`);
      expect(fake.comments(PROJECT, 7).find((c) => c.id === Number(id))?.body).toContain('2 to add');

      await forge.deleteComment(pr, id);
      expect(await forge.findComments(pr, MARKER)).toEqual([]);
      // Deleting again is what was asked for, not an error.
      await forge.deleteComment(pr, id);
    });

    it('finds marked notes oldest first across pages', async () => {
      const bodies: string[] = [];
      for (let i = 0; i < 230; i += 1) {
        const body = i % 50 === 0 ? `${MARKER} part ${i}` : `chatter ${i}`;
        if (body.includes(MARKER)) bodies.push(body);
        fake.addNote({ project: PROJECT, iid: 7, author: 'dev', body });
      }
      const found = await forge.findComments(pr, MARKER);
      expect(found.map((c) => c.body)).toEqual(bodies);
      expect(pages(/\/notes$/)).toEqual([
        { page: null, per_page: '100', sort: 'asc' },
        { page: '2', per_page: '100', sort: 'asc' },
        { page: '3', per_page: '100', sort: 'asc' },
      ]);
    });

    it('reacts to a command note with award emoji, once each', async () => {
      const note = String(fake.addNote({ project: PROJECT, iid: 7, author: 'dev', body: 'sluice plan' }));
      await forge.react(pr, note, 'seen');
      await forge.react(pr, note, 'seen');
      await forge.react(pr, note, 'refused');
      expect(fake.reactions).toEqual([
        { noteId: Number(note), name: 'eyes', user: fake.botUsername },
        { noteId: Number(note), name: 'confused', user: fake.botUsername },
      ]);
    });
  });

  describe('commit statuses', () => {
    const status = (state: 'pending' | 'success' | 'failure' | 'error', description: string = state) =>
      forge.setCommitStatus(repo, HEAD, { context: 'sluice/plan', state, description });

    it("maps our states to GitLab's and names the status after our context", async () => {
      await status('pending');
      await status('success');
      expect(fake.latestStatuses(PROJECT, HEAD).get('sluice/plan')).toEqual({
        context: 'sluice/plan',
        state: 'success',
        description: 'success',
        target_url: null,
      });
      for (const state of ['failure', 'error'] as const) {
        await status(state);
        expect(fake.latestStatuses(PROJECT, HEAD).get('sluice/plan')?.state).toBe('failed');
      }
    });

    it('keeps updating an unfinished status though GitLab refuses pending → pending', async () => {
      await status('pending', 'planning 2 projects');
      await status('pending', 'planned 1 of 2');
      expect(fake.latestStatuses(PROJECT, HEAD).get('sluice/plan')).toMatchObject({
        state: 'running',
        description: 'planned 1 of 2',
      });
      // Running cannot be re-entered either; the status stays unfinished until it ends.
      await status('pending', 'planned 2 of 2');
      expect(fake.latestStatuses(PROJECT, HEAD).get('sluice/plan')?.state).toBe('running');
      await status('success', '2 planned');
      expect(fake.latestStatuses(PROJECT, HEAD).get('sluice/plan')).toMatchObject({ state: 'success' });
      await status('pending', 'replanning');
      expect(fake.statuses(PROJECT, HEAD).map((s) => s.state)).toEqual(['success', 'pending']);
    });

    it('cuts descriptions to 255 characters and leaves out target URLs GitLab would refuse', async () => {
      await forge.setCommitStatus(repo, HEAD, {
        context: 'sluice/plan: envs/prod',
        state: 'success',
        description: 'x'.repeat(300),
        targetUrl: `https://sluice.example.com/${'y'.repeat(300)}`,
      });
      await forge.setCommitStatus(repo, HEAD, {
        context: 'sluice/plan: network',
        state: 'success',
        description: 'ok',
        targetUrl: 'https://sluice.example.com/runs/1',
      });
      const latest = fake.latestStatuses(PROJECT, HEAD);
      expect(latest.get('sluice/plan: envs/prod')).toMatchObject({
        description: 'x'.repeat(255),
        target_url: null,
      });
      expect(latest.get('sluice/plan: network')?.target_url).toBe('https://sluice.example.com/runs/1');
    });
  });

  describe('approvals and permissions', () => {
    it('lists approvals, leaving out the author approving their own merge request', async () => {
      expect(await forge.listApprovals(pr)).toEqual([]);
      for (const user of ['alice', 'dev', 'bob']) fake.addApproval({ project: PROJECT, iid: 7, user });
      const at = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
      expect(await forge.listApprovals(pr)).toEqual([
        { user: 'alice', dismissed: false, commitSha: HEAD, at },
        { user: 'bob', dismissed: false, commitSha: HEAD, at },
      ]);
    });

    it('places each approval on the head it was given on: GitLab keeps approvals across pushes', async () => {
      fake.addApproval({ project: PROJECT, iid: 7, user: 'alice' });
      await new Promise((resolve) => setTimeout(resolve, 5));
      const pushed = 'c'.repeat(40);
      fake.updateMergeRequest({ project: PROJECT, iid: 7, headSha: pushed });
      await new Promise((resolve) => setTimeout(resolve, 5));
      fake.addApproval({ project: PROJECT, iid: 7, user: 'bob' });
      const [alice, bob] = await forge.listApprovals(pr);
      expect(alice).toMatchObject({ user: 'alice', dismissed: false, commitSha: HEAD });
      expect(bob).toMatchObject({ user: 'bob', dismissed: false, commitSha: pushed });
      // Each with the time GitLab says it was given: approvals bind to the plans that existed then.
      expect(Date.parse(bob?.at ?? '')).toBeGreaterThan(Date.parse(alice?.at ?? ''));
    });

    it.each([
      ['before every version: the first', '2025-01-01T09:00:00Z', 'a'],
      ['with the first version', '2025-01-01T10:00:00Z', 'a'],
      ['between pushes', '2025-01-01T10:30:00.000Z', 'a'],
      ['with the second push', '2025-01-01T11:00:00.000+00:00', 'b'],
      ['after the last push', '2025-01-02T00:00:00Z', 'c'],
    ])('an approval %s is on that version', (_, at, head) => {
      const versions = [
        { head_commit_sha: 'c', created_at: '2025-01-01T12:00:00.000Z' },
        { head_commit_sha: 'b', created_at: '2025-01-01T11:00:00.000Z' },
        { head_commit_sha: 'a', created_at: '2025-01-01T10:00:00.000Z' },
      ];
      expect(headAt(versions, at)).toBe(head);
    });

    it.each([
      [50, 'admin'],
      [40, 'admin'],
      [30, 'write'],
      [20, 'read'],
      [15, 'read'],
      [10, 'read'],
      [5, 'none'],
    ] as const)('access level %i is %s', async (level, expected) => {
      fake.setMemberAccess(PROJECT, 'carol', level);
      expect(await forge.getPermission(repo, 'Carol')).toBe(expected);
    });

    it('gives none to unknown users and to users who are not members', async () => {
      expect(await forge.getPermission(repo, 'nobody')).toBe('none');
      fake.setMemberAccess(PROJECT, 'carol', 30);
      fake.setMemberAccess(PROJECT, 'carol', 0);
      expect(await forge.getPermission(repo, 'carol')).toBe('none');
    });

    it('maps levels in one place', () => {
      expect([0, 5, 10, 20, 30, 40, 50, 60].map(permissionOf)).toEqual([
        'none',
        'none',
        'read',
        'read',
        'write',
        'admin',
        'admin',
        'admin',
      ]);
    });
  });

  describe('clone access and identity', () => {
    it('clones over the project URL as oauth2 with the token as password, not in the URL', async () => {
      const access = await forge.cloneAccess(repo);
      expect(access).toEqual({
        url: CLONE_URL,
        username: 'oauth2',
        password: fake.token,
        refspecs: ['+refs/merge-requests/*/head:refs/merge-requests/*/head'],
      });
      expect(access.url).not.toContain(fake.token);
    });

    it('looks up who the token belongs to once', async () => {
      expect(await forge.botUserId()).toBe(fake.botUserId);
      expect(await forge.botUserId()).toBe(fake.botUserId);
      expect(calls(/^GET \/api\/v4\/user$/)).toHaveLength(1);
    });
  });

  describe('mergeability and merging', () => {
    it('is mergeable when GitLab says so', async () => {
      expect(await forge.getMergeability(pr, isOurs)).toEqual({ mergeable: true, reasons: [] });
    });

    it.each([
      ['conflict', 'it has merge conflicts'],
      ['need_rebase', 'it must be rebased onto its target branch'],
      ['discussions_not_resolved', 'it has unresolved discussions'],
      ['merge_request_blocked', 'it is blocked by another merge request'],
    ] as const)('says why not: %s', async (mergeStatus, reason) => {
      fake.updateMergeRequest({ project: PROJECT, iid: 7, mergeStatus });
      expect(await forge.getMergeability(pr, isOurs)).toEqual({ mergeable: false, reasons: [reason] });
    });

    it('says why not: a draft, missing approvals', async () => {
      fake.updateMergeRequest({ project: PROJECT, iid: 7, draft: true });
      expect(await forge.getMergeability(pr, isOurs)).toEqual({
        mergeable: false,
        reasons: ['it is a draft'],
      });
      fake.updateMergeRequest({ project: PROJECT, iid: 7, draft: false, approvalsRequired: 1 });
      expect(await forge.getMergeability(pr, isOurs)).toEqual({
        mergeable: false,
        reasons: ['it is not approved yet'],
      });
    });

    it('asks again while GitLab is still checking', async () => {
      fake.updateMergeRequest({ project: PROJECT, iid: 7, checkingReads: 2 });
      expect(await forge.getMergeability(pr, isOurs)).toEqual({ mergeable: true, reasons: [] });
      expect(calls(/merge_requests\/7$/)).toHaveLength(3);
    });

    describe('when the pipeline must succeed', () => {
      beforeEach(async () => {
        fake.addProject({ path: PROJECT, cloneUrl: CLONE_URL, onlyAllowMergeIfPipelineSucceeds: true });
        openMergeRequest([{ filename: 'main.tf', status: 'modified' }]);
      });
      const check = (context: string, state: 'pending' | 'success' | 'failure') =>
        forge.setCommitStatus(repo, HEAD, { context, state, description: state });

      it("ignores Sluice's own statuses", async () => {
        await check('sluice/plan', 'success');
        await check('sluice/apply', 'pending');
        expect(await forge.getMergeability(pr, isOurs)).toEqual({ mergeable: true, reasons: [] });
      });

      it('names the other checks that hold it back', async () => {
        await check('sluice/apply', 'pending');
        await check('ci/test', 'failure');
        await check('ci/lint', 'pending');
        await check('ci/docs', 'success');
        expect(await forge.getMergeability(pr, isOurs)).toEqual({
          mergeable: false,
          reasons: ['check `ci/test` is failing', 'check `ci/lint` has not finished'],
        });
      });

      it('still sees missing approvals GitLab reports only after the pipeline', async () => {
        fake.updateMergeRequest({ project: PROJECT, iid: 7, approvalsRequired: 1 });
        await check('sluice/apply', 'pending');
        expect(await forge.getMergeability(pr, isOurs)).toEqual({
          mergeable: false,
          reasons: ['it is not approved yet'],
        });
      });

      it('says so when there is no pipeline at all', async () => {
        expect(await forge.getMergeability(pr, isOurs)).toEqual({
          mergeable: false,
          reasons: ['its pipeline must succeed, and it has none'],
        });
      });
    });

    it('merges at exactly the given commit', async () => {
      await forge.merge(pr, HEAD);
      expect(fake.merges).toEqual([{ project: PROJECT, iid: 7, sha: HEAD }]);
      expect(await forge.getPullRequest(pr)).toMatchObject({ state: 'merged' });
    });

    it('refuses to merge another commit, or an unmergeable merge request', async () => {
      await expect(forge.merge(pr, 'f'.repeat(40))).rejects.toThrow(/HTTP 409\): SHA does not match HEAD/);
      fake.updateMergeRequest({ project: PROJECT, iid: 7, mergeStatus: 'conflict' });
      await expect(forge.merge(pr, HEAD)).rejects.toThrow(/HTTP 405/);
      expect(fake.merges).toEqual([]);
    });
  });
});
