import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitLab, startFakeGitLab } from '../../fakes/gitlab/fake-gitlab.js';
import { projectId } from '../../fakes/gitlab/ids.js';

const PROJECT = 'acme/infra';
const HEAD = 'a'.repeat(40);

describe('fake GitLab', () => {
  let fake: FakeGitLab;
  let id: number;

  const call = (method: string, path: string, init: { token?: string | null; body?: unknown } = {}) =>
    fetch(`${fake.apiUrl}${path}`, {
      method,
      headers: {
        ...(init.token === null ? {} : { 'private-token': init.token ?? fake.token }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const expectViolations = (...patterns: RegExp[]) => {
    expect(fake.violations).toEqual(patterns.map((p) => expect.stringMatching(p)));
    expect(() => fake.assertNoViolations()).toThrow(/violation/);
    fake.violations.length = 0;
  };

  beforeEach(async () => {
    fake = await startFakeGitLab();
    id = fake.addProject({ path: PROJECT, cloneUrl: 'file:///tmp/origin.git' }).id;
    fake.addMergeRequest({
      project: PROJECT,
      iid: 3,
      sourceBranch: 'feature',
      headSha: HEAD,
      baseSha: 'b'.repeat(40),
      author: 'dev',
      files: [],
    });
  });
  afterEach(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  describe('refuses and records', () => {
    it('an endpoint outside its documented subset, a wrong method, a path outside /api/v4', async () => {
      expect((await call('GET', `/projects/${id}/merge_requests`)).status).toBe(404);
      expect((await call('DELETE', `/projects/${id}/merge_requests/3`)).status).toBe(405);
      expect(
        (await fetch(`${fake.url}/projects/${id}`, { headers: { 'private-token': fake.token } })).status,
      ).toBe(404);
      expectViolations(
        /GET \/api\/v4\/projects\/\d+\/merge_requests -> 404: .*no such endpoint/,
        /DELETE .* -> 405: .*only GET here/,
        /GET \/projects\/\d+ -> 404: .*served under \/api\/v4/,
      );
    });

    it('calls without a token or with one it never issued', async () => {
      expect((await call('GET', '/user', { token: null })).status).toBe(401);
      expect((await call('GET', '/user', { token: 'glpat-forged' })).status).toBe(401);
      expectViolations(
        /401: 401 Unauthorized \(no PRIVATE-TOKEN/,
        /401: 401 Unauthorized \(a token the fake never/,
      );
    });

    it('unknown body fields, invalid values and unknown query parameters', async () => {
      const extra = await call('POST', `/projects/${id}/merge_requests/3/notes`, {
        body: { body: 'hi', colour: 'red' },
      });
      expect(extra.status).toBe(400);
      expect(await extra.json()).toEqual({ error: expect.stringContaining('colour') });
      const state = await call('POST', `/projects/${id}/statuses/${HEAD}`, { body: { state: 'failure' } });
      expect(state.status).toBe(400);
      const query = await call('GET', `/projects/${id}/merge_requests/3/notes?perpage=5`);
      expect(query.status).toBe(400);
      const sha = await call('POST', `/projects/${id}/statuses/abc`, { body: { state: 'success' } });
      expect(sha.status).toBe(400);
      expectViolations(
        /body: Unrecognized key.*colour/,
        /body.state: /,
        /query: Unrecognized key.*perpage/,
        /path.sha: must be a full commit SHA/,
      );
      expect(fake.comments(PROJECT, 3)).toEqual([]);
    });

    it('a missing body where one is required, and bodies that are not JSON', async () => {
      expect((await call('POST', `/projects/${id}/merge_requests/3/notes`)).status).toBe(400);
      const form = await fetch(`${fake.apiUrl}/projects/${id}/merge_requests/3/notes`, {
        method: 'POST',
        headers: { 'private-token': fake.token, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'body=hi',
      });
      expect(form.status).toBe(400);
      expectViolations(/body: required/, /sent as application\/x-www-form-urlencoded/);
    });

    it('notes longer than 1,000,000 characters, and edits of notes by others', async () => {
      const long = await call('POST', `/projects/${id}/merge_requests/3/notes`, {
        body: { body: 'x'.repeat(1_000_001) },
      });
      expect(long.status).toBe(400);
      const note = fake.addNote({ project: PROJECT, iid: 3, author: 'dev', body: 'mine' });
      expect(
        (await call('PUT', `/projects/${id}/merge_requests/3/notes/${note}`, { body: { body: 'x' } })).status,
      ).toBe(403);
      expectViolations(/is too long \(maximum is 1000000 characters\)/, /403 Forbidden/);
    });

    it('emoji it does not know', async () => {
      const note = fake.addNote({ project: PROJECT, iid: 3, author: 'dev', body: 'sluice plan' });
      const res = await call('POST', `/projects/${id}/merge_requests/3/notes/${note}/award_emoji`, {
        body: { name: 'not_an_emoji' },
      });
      expect(res.status).toBe(404);
      expectViolations(/not a valid emoji name/);
    });
  });

  describe('answers like GitLab', () => {
    it('takes the URL-encoded project path as :id', async () => {
      const res = await call('GET', `/projects/${encodeURIComponent(PROJECT)}`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ id: projectId(PROJECT), path_with_namespace: PROJECT });
    });

    it('answers a missing resource with 404 and no violation', async () => {
      const res = await call('GET', `/projects/${id}/merge_requests/99`);
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ message: '404 Merge Request Not Found' });
      const branch = await call('GET', `/projects/${id}/repository/branches/nowhere`);
      expect(branch.status).toBe(404);
      expect(await branch.json()).toEqual({ message: '404 Branch Not Found' });
    });

    it('serves a branch where the last push left it; the default one is protected', async () => {
      fake.setBranch(PROJECT, 'main', HEAD);
      fake.setBranch(PROJECT, 'release/1.x', 'c'.repeat(40));
      const main = await call('GET', `/projects/${id}/repository/branches/main`);
      expect(await main.json()).toMatchObject({
        name: 'main',
        default: true,
        protected: true,
        commit: { id: HEAD, short_id: HEAD.slice(0, 8) },
      });
      const release = await call(
        'GET',
        `/projects/${id}/repository/branches/${encodeURIComponent('release/1.x')}`,
      );
      expect(await release.json()).toMatchObject({
        name: 'release/1.x',
        default: false,
        commit: { id: 'c'.repeat(40) },
      });
      expect((await call('GET', `/projects/${id}/repository/branches/main?ref=main`)).status).toBe(400);
      expectViolations(/query: Unrecognized key.*ref/);
    });

    it('paginates with x-* headers and a Link header, capping per_page at 100', async () => {
      for (let i = 0; i < 45; i += 1)
        fake.addNote({ project: PROJECT, iid: 3, author: 'dev', body: `n${i}` });
      const first = await call('GET', `/projects/${id}/merge_requests/3/notes`);
      expect((await first.json()) as unknown[]).toHaveLength(20);
      expect(
        Object.fromEntries([...first.headers].filter(([k]) => k.startsWith('x-') && k !== 'x-request-id')),
      ).toEqual({
        'x-page': '1',
        'x-per-page': '20',
        'x-total': '45',
        'x-total-pages': '3',
        'x-next-page': '2',
        'x-prev-page': '',
      });
      expect(first.headers.get('link')).toMatch(
        /page=2&per_page=20>; rel="next".*rel="first".*page=3&per_page=20>; rel="last"/,
      );
      const capped = await call('GET', `/projects/${id}/merge_requests/3/notes?per_page=500`);
      expect(capped.headers.get('x-per-page')).toBe('100');
    });

    it("refuses pending → pending like GitLab's status state machine, without calling it a violation", async () => {
      const post = (state: string) =>
        call('POST', `/projects/${id}/statuses/${HEAD}`, { body: { state, name: 'ci' } });
      expect((await post('pending')).status).toBe(201);
      const again = await post('pending');
      expect(again.status).toBe(400);
      expect(await again.json()).toEqual({
        message:
          'Cannot transition status via :enqueue from :pending (Reason(s): Status cannot transition via "enqueue")',
      });
      expect((await post('running')).status).toBe(201);
      expect((await post('running')).status).toBe(400);
      expect((await post('success')).status).toBe(201);
      expect((await post('pending')).status).toBe(201);
      expect(fake.statuses(PROJECT, HEAD).map((s) => s.state)).toEqual(['success', 'pending']);
    });

    it('refuses a second identical emoji from the same user with 404, without a violation', async () => {
      const note = fake.addNote({ project: PROJECT, iid: 3, author: 'dev', body: 'sluice plan' });
      const award = () =>
        call('POST', `/projects/${id}/merge_requests/3/notes/${note}/award_emoji`, {
          body: { name: 'eyes' },
        });
      expect((await award()).status).toBe(201);
      const again = await award();
      expect(again.status).toBe(404);
      expect(await again.json()).toEqual({ message: '404 Award Emoji Name has already been taken' });
    });
  });
});
