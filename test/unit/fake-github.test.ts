import { createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { request } from '@octokit/request';
import { Octokit } from '@octokit/rest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github/fake-github.js';
import type { FileStatus } from '../fakes/github/state.js';

const OWNER = 'acme';
const REPO = 'infra';
const INSTALLATION_ID = 4242;
const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);

function appJwt(privateKeyPem: string, claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}`;
  const signature = sign('RSA-SHA256', Buffer.from(unsigned), createPrivateKey(privateKeyPem)).toString(
    'base64url',
  );
  return `${unsigned}.${signature}`;
}

const now = () => Math.floor(Date.now() / 1000);

describe('fake GitHub', () => {
  let fake: FakeGitHub;
  let octokit: Octokit;

  const call = (method: string, path: string, init: { token?: string; body?: unknown } = {}) =>
    fetch(`${fake.apiUrl}${path}`, {
      method,
      headers: {
        ...(init.token ? { authorization: init.token } : {}),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const installationToken = async () => {
    const auth = createAppAuth({
      appId: fake.appId,
      privateKey: fake.privateKeyPem,
      request: request.defaults({ baseUrl: fake.apiUrl }),
    });
    const { token } = await auth({ type: 'installation', installationId: INSTALLATION_ID });
    return `token ${token}`;
  };
  const expectViolation = (pattern: RegExp) => {
    expect(fake.violations).toEqual([expect.stringMatching(pattern)]);
    expect(() => fake.assertNoViolations()).toThrow(pattern);
    fake.violations.length = 0;
  };

  beforeEach(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({
      owner: OWNER,
      name: REPO,
      cloneUrl: 'file:///tmp/origin.git',
      installationId: INSTALLATION_ID,
    });
    fake.addPullRequest({
      owner: OWNER,
      repo: REPO,
      number: 7,
      head: { ref: 'feature', sha: HEAD },
      base: { ref: 'main', sha: BASE },
      author: 'dev',
      files: [
        { filename: 'envs/prod/main.tf', status: 'modified' },
        { filename: 'network/new.tf', status: 'renamed', previous_filename: 'network/old.tf' },
      ],
    });
    octokit = new Octokit({
      baseUrl: fake.apiUrl,
      authStrategy: createAppAuth,
      auth: { appId: fake.appId, privateKey: fake.privateKeyPem, installationId: INSTALLATION_ID },
    });
  });
  afterEach(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  describe('refuses and records', () => {
    it('a route outside the OpenAPI subset', async () => {
      const res = await call('GET', `/repos/${OWNER}/${REPO}/branches`, { token: await installationToken() });
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ message: expect.stringMatching(/no such route/) });
      expectViolation(/GET \/api\/v3\/repos\/acme\/infra\/branches -> 404/);
    });

    it('a known path with the wrong method, and a path outside the prefix', async () => {
      const token = await installationToken();
      expect((await call('PUT', `/repos/${OWNER}/${REPO}`, { token })).status).toBe(404);
      expect(
        (await fetch(`${fake.url}/repos/${OWNER}/${REPO}`, { headers: { authorization: token } })).status,
      ).toBe(404);
      expect(fake.violations).toHaveLength(2);
      fake.violations.length = 0;
    });

    it('an unknown body field, a wrong enum value and an unknown query parameter', async () => {
      const token = await installationToken();
      const extra = await call('POST', `/repos/${OWNER}/${REPO}/issues/7/comments`, {
        token,
        body: { body: 'hi', colour: 'red' },
      });
      expect(extra.status).toBe(422);
      expect(await extra.json()).toMatchObject({
        message: expect.stringContaining('unknown property "colour"'),
      });
      const state = await call('POST', `/repos/${OWNER}/${REPO}/statuses/${HEAD}`, {
        token,
        body: { state: 'ok' },
      });
      expect(state.status).toBe(422);
      const query = await call('GET', `/repos/${OWNER}/${REPO}/pulls/7/files?perpage=5`, { token });
      expect(query.status).toBe(422);
      expect(fake.violations).toEqual([
        expect.stringContaining('body has unknown property "colour"'),
        expect.stringContaining('body/state must be one of'),
        expect.stringContaining('query has unknown property "perpage"'),
      ]);
      fake.violations.length = 0;
      expect(fake.comments(OWNER, REPO, 7)).toEqual([]);
    });

    it('a call without a token, or with a token the fake never issued', async () => {
      expect((await call('GET', `/repos/${OWNER}/${REPO}`)).status).toBe(401);
      expect(
        (await call('GET', `/repos/${OWNER}/${REPO}`, { token: `token ghs_${'x'.repeat(36)}` })).status,
      ).toBe(401);
      expect(fake.violations).toEqual([
        expect.stringMatching(/401: Bad credentials \(no Authorization header\)/),
        expect.stringMatching(/401: Bad credentials \(the token is not/),
      ]);
      fake.violations.length = 0;
    });

    it('bad app JWTs: another key, another app, expired, too long-lived, not a JWT', async () => {
      const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs1', format: 'pem' })
        .toString();
      const good = { iat: now() - 30, exp: now() + 540, iss: fake.appId };
      const jwts = [
        appJwt(otherKey, good),
        appJwt(fake.privateKeyPem, { ...good, iss: fake.appId + 1 }),
        appJwt(fake.privateKeyPem, { ...good, iat: now() - 700, exp: now() - 60 }),
        appJwt(fake.privateKeyPem, { ...good, exp: now() + 3600 }),
        'not-a-jwt',
      ];
      for (const jwt of jwts) {
        const res = await call('POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, {
          token: `Bearer ${jwt}`,
        });
        expect(res.status).toBe(401);
      }
      expect(fake.violations.map((v) => v.replace(/.*\(/, ''))).toEqual([
        "the app JWT signature does not verify with the app's public key)",
        `the app JWT iss ${fake.appId + 1} is not the app id)`,
        'the app JWT has expired or has no exp)',
        'the app JWT lives longer than 10 minutes)',
        'the app JWT is not three base64url parts)',
      ]);
      fake.violations.length = 0;
      const ok = await call('POST', `/app/installations/${INSTALLATION_ID}/access_tokens`, {
        token: `Bearer ${appJwt(fake.privateKeyPem, good)}`,
      });
      expect(ok.status).toBe(201);
      expect(await ok.json()).toMatchObject({ token: expect.stringMatching(/^ghs_[A-Za-z0-9]{36}$/) });
    });

    it('a token used on another installation’s repository', async () => {
      fake.addRepo({ owner: 'other', name: 'repo', cloneUrl: 'file:///tmp/other.git', installationId: 1 });
      expect((await call('GET', '/repos/other/repo', { token: await installationToken() })).status).toBe(404);
      expectViolation(/belongs to installation 1/);
    });

    it('a comment body over 65536 characters, with GitHub’s 422 shape', async () => {
      const error = await octokit.rest.issues
        .createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'x'.repeat(65_537) })
        .catch((e: { status: number; response: { data: unknown } }) => e);
      expect(error).toMatchObject({
        status: 422,
        response: {
          data: {
            message: 'Validation Failed',
            errors: [{ resource: 'IssueComment', field: 'body', message: expect.stringMatching(/too long/) }],
          },
        },
      });
      expectViolation(/422: Validation Failed/);
      await octokit.rest.issues.createComment({
        owner: OWNER,
        repo: REPO,
        issue_number: 7,
        body: 'x'.repeat(65_536),
      });
      expect(fake.comments(OWNER, REPO, 7)).toHaveLength(1);
    });

    it('its own answer when it breaks the schema (seeded data GitHub could never hold)', async () => {
      fake.updatePullRequest({
        owner: OWNER,
        repo: REPO,
        number: 7,
        files: [{ filename: 'x.tf', status: 'exploded' as FileStatus }],
      });
      const res = await call('GET', `/repos/${OWNER}/${REPO}/pulls/7/files`, {
        token: await installationToken(),
      });
      expect(res.status).toBe(500);
      expectViolation(/answer breaks the schema: response\/0\/status must be one of/);
    });
  });

  describe('serves a real Octokit', () => {
    it('creates, lists, updates and deletes comments as the app bot', async () => {
      const { data: created } = await octokit.rest.issues.createComment({
        owner: OWNER,
        repo: REPO,
        issue_number: 7,
        body: 'plan <!-- sluice:plan -->',
      });
      expect(created.user).toMatchObject({ login: 'sluice-test[bot]', type: 'Bot' });
      expect(created.html_url).toBe(`${fake.url}/${OWNER}/${REPO}/pull/7#issuecomment-${created.id}`);
      await octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'second' });
      await octokit.rest.issues.updateComment({
        owner: OWNER,
        repo: REPO,
        comment_id: created.id,
        body: 'edited',
      });
      const listed = await octokit.paginate(octokit.rest.issues.listComments, {
        owner: OWNER,
        repo: REPO,
        issue_number: 7,
        per_page: 1,
      });
      expect(listed.map((c) => c.body)).toEqual(['edited', 'second']);
      await octokit.rest.issues.deleteComment({ owner: OWNER, repo: REPO, comment_id: created.id });
      expect(fake.comments(OWNER, REPO, 7).map((c) => c.body)).toEqual(['second']);
      const { data: reaction, status } = await octokit.rest.reactions.createForIssueComment({
        owner: OWNER,
        repo: REPO,
        comment_id: listed[1]?.id ?? 0,
        content: 'eyes',
      });
      expect([status, reaction.content]).toEqual([201, 'eyes']);
      expect(fake.reactions).toEqual([
        { commentId: listed[1]?.id, content: 'eyes', user: 'sluice-test[bot]' },
      ]);
    });

    it('sets commit statuses and reports the latest per context', async () => {
      const status = (state: 'pending' | 'success', description: string) =>
        octokit.rest.repos.createCommitStatus({
          owner: OWNER,
          repo: REPO,
          sha: HEAD,
          state,
          context: 'sluice/plan',
          description,
          target_url: 'http://127.0.0.1/runs/1',
        });
      const { data } = await status('pending', 'Planning');
      expect(data).toMatchObject({ state: 'pending', creator: { login: 'sluice-test[bot]' } });
      await status('success', 'Planned');
      expect(fake.statuses(OWNER, REPO, HEAD).map((s) => s.state)).toEqual(['pending', 'success']);
      expect(fake.latestStatuses(OWNER, REPO, HEAD).get('sluice/plan')).toEqual({
        context: 'sluice/plan',
        state: 'success',
        description: 'Planned',
        target_url: 'http://127.0.0.1/runs/1',
      });
    });

    it('paginates PR files with a Link header (150 files, 100 per page)', async () => {
      const files = Array.from({ length: 150 }, (_, i) => ({
        filename: `stacks/s${i}/main.tf`,
        status: 'added' as const,
      }));
      fake.updatePullRequest({ owner: OWNER, repo: REPO, number: 7, files });
      const first = await octokit.rest.pulls.listFiles({
        owner: OWNER,
        repo: REPO,
        pull_number: 7,
        per_page: 100,
      });
      expect(first.data).toHaveLength(100);
      expect(first.headers.link).toMatch(/[?&]page=2>; rel="next"/);
      const all = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner: OWNER,
        repo: REPO,
        pull_number: 7,
        per_page: 100,
      });
      expect(all.map((f) => f.filename)).toEqual(files.map((f) => f.filename));
      const pages = fake.requests.filter((r) => r.path.endsWith('/pulls/7/files'));
      expect(pages.map((r) => r.query)).toEqual(['?per_page=100', '?per_page=100', '?per_page=100&page=2']);
    });

    it('answers reads: repository, pull request, reviews, permission, contents; and merges', async () => {
      const { data: repo } = await octokit.rest.repos.get({ owner: OWNER, repo: REPO });
      expect(repo).toMatchObject({
        full_name: 'acme/infra',
        clone_url: 'file:///tmp/origin.git',
        default_branch: 'main',
      });
      const { data: pull } = await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 });
      expect(pull).toMatchObject({
        head: { ref: 'feature', sha: HEAD, repo: { id: repo.id } },
        base: { sha: BASE },
      });
      expect(pull).toMatchObject({ state: 'open', draft: false, merged: false, user: { login: 'dev' } });

      fake.addReview({
        owner: OWNER,
        repo: REPO,
        number: 7,
        user: 'lead',
        state: 'APPROVED',
        commitId: HEAD,
      });
      const { data: reviews } = await octokit.rest.pulls.listReviews({
        owner: OWNER,
        repo: REPO,
        pull_number: 7,
      });
      expect(reviews).toMatchObject([{ user: { login: 'lead' }, state: 'APPROVED', commit_id: HEAD }]);

      fake.setPermission(OWNER, REPO, 'lead', 'admin');
      const perm = (username: string) =>
        octokit.rest.repos.getCollaboratorPermissionLevel({ owner: OWNER, repo: REPO, username });
      expect((await perm('lead')).data.permission).toBe('admin');
      expect((await perm('stranger')).data.permission).toBe('none');

      fake.setFile(OWNER, REPO, HEAD, 'sluice.yaml', 'version: 1\n');
      const { data: file } = await octokit.rest.repos.getContent({
        owner: OWNER,
        repo: REPO,
        path: 'sluice.yaml',
        ref: HEAD,
      });
      expect(Buffer.from('content' in file ? file.content : '', 'base64').toString()).toBe('version: 1\n');
      const missing = await octokit.rest.repos
        .getContent({ owner: OWNER, repo: REPO, path: 'a/b.yaml' })
        .catch((e) => e);
      expect(missing.status).toBe(404);

      fake.setBranch(OWNER, REPO, 'main', BASE);
      const { data: ref } = await octokit.rest.git.getRef({ owner: OWNER, repo: REPO, ref: 'heads/main' });
      expect(ref).toMatchObject({ ref: 'refs/heads/main', object: { type: 'commit', sha: BASE } });
      const tag = await octokit.rest.git.getRef({ owner: OWNER, repo: REPO, ref: 'tags/v1' }).catch((e) => e);
      expect(tag.status).toBe(404);

      const { data: merge } = await octokit.rest.pulls.merge({
        owner: OWNER,
        repo: REPO,
        pull_number: 7,
        sha: HEAD,
      });
      expect(merge.merged).toBe(true);
      const merged = (await octokit.rest.pulls.get({ owner: OWNER, repo: REPO, pull_number: 7 })).data;
      expect(merged).toMatchObject({ state: 'closed', merged: true, merge_commit_sha: merge.sha });
    });

    it('waitFor polls until state matches, and times out with a message', async () => {
      setTimeout(
        () =>
          void octokit.rest.issues.createComment({ owner: OWNER, repo: REPO, issue_number: 7, body: 'late' }),
        50,
      );
      await fake.waitFor(() => fake.comments(OWNER, REPO, 7).length === 1, { timeoutMs: 5_000 });
      await expect(fake.waitFor(() => false, { timeoutMs: 50 })).rejects.toThrow(/not met within 50 ms/);
    });
  });
});
