import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Harness, OWNER, REPO, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';

/** A root module keeping its state in the test's http backend, so applies really change state. */
const stack = (states: StateServer, name: string, resources: number) => `${states.backend(name)}
${Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}`;

const resourcesIn = (states: StateServer, name: string) =>
  (states.state(name)?.resources ?? []).map((r) => `${r.type}.${r.name}`).sort();

describe('apply on approved merge (merge mode, locks on plan)', () => {
  let h: Harness;
  let states: StateServer;

  beforeAll(async () => {
    states = await startStateServer();
    h = await startHarness({
      redisUrl: inject('redisUrl'),
      initialFiles: {
        'README.md': '# infra\n',
        'app/main.tf': stack(states, 'app', 1),
        'shared/main.tf': stack(states, 'shared', 1),
        'bypass/main.tf': stack(states, 'bypass', 1),
        'moving/main.tf': stack(states, 'moving', 1),
        'pushed/main.tf': stack(states, 'pushed', 1),
      },
      // The sandbox reaches the state backend on loopback.
      env: { SLUICE_SANDBOX_NETWORK: 'on' },
    });
    h.fake.setPermission(OWNER, REPO, 'dev', 'write');
    h.fake.setPermission(OWNER, REPO, 'reviewer', 'write');
  });
  afterEach(() => h.fake.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    await states?.close();
  });

  it('open → plan → approve → merge applies the reviewed plan once and releases the lock', async () => {
    const pr = await h.openPullRequest(1, { 'app/main.tf': stack(states, 'app', 3) });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    expect(states.serials('app')).toEqual([]);
    h.approve(pr);
    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'success' });
    expect(resourcesIn(states, 'app')).toEqual([
      'terraform_data.app_0',
      'terraform_data.app_1',
      'terraform_data.app_2',
    ]);
    expect(states.serials('app')).toHaveLength(1);
    const applied = h.applyComments(1);
    expect(applied).toHaveLength(1);
    expect(applied[0]).toContain('Applied');
    expect(applied[0]).toContain('3 added, 0 changed, 0 destroyed');
    // The lock is gone: another PR on the same project plans straight away.
    const next = await h.openPullRequest(2, { 'app/main.tf': stack(states, 'app', 4) });
    expect(await h.planDone(next.headSha)).toMatchObject({ state: 'success' });
    expect(h.planComments(2)[0]).toMatchObject({ body: expect.stringContaining('1 to add') });
    await h.closePullRequest(next);
    expect(states.overlaps).toBe(0);
  });

  it('a second PR on a locked project is told who holds it, and is re-planned after the first is applied', async () => {
    const first = await h.openPullRequest(3, { 'shared/main.tf': stack(states, 'shared', 2) });
    expect(await h.planDone(first.headSha)).toMatchObject({ state: 'success' });
    const second = await h.openPullRequest(4, { 'shared/main.tf': stack(states, 'shared', 3) });
    expect(await h.planDone(second.headSha)).toMatchObject({ state: 'failure' });
    const locked = h.planComments(4)[0]?.body ?? '';
    expect(locked).toContain('Locked by #3');
    expect(locked).toContain(first.headSha.slice(0, 7));
    expect(locked).toContain('sluice unlock');

    h.approve(first);
    const mergeSha = await h.merge(first);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'success' });
    // PR 4 is planned again, against the state PR 3 left: one more resource to add.
    await h.fake.waitFor(() => !(h.planComments(4)[0]?.body ?? '').includes('Locked by'), {
      timeoutMs: 90_000,
    });
    expect(await h.planDone(second.headSha)).toMatchObject({ state: 'success' });
    const fresh = h.planComments(4)[0]?.body ?? '';
    expect(fresh).toContain('1 to add, 0 to change, 0 to destroy');
    expect(fresh, fresh).toMatch(/Pull request #3 was just applied/);
    await h.closePullRequest(second);
  });

  it('a merge without approval (admin bypass) is not applied and the PR says why', async () => {
    const pr = await h.openPullRequest(5, { 'bypass/main.tf': stack(states, 'bypass', 2) });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'failure' });
    expect(states.serials('bypass')).toEqual([]);
    const why = h.replies(5).join('\n');
    expect(why).toMatch(/merged without meeting its apply requirements/);
    expect(why).toMatch(/Approved/);
    // The lock stays until someone resolves it.
    const other = await h.openPullRequest(6, { 'bypass/main.tf': stack(states, 'bypass', 3) });
    expect(await h.planDone(other.headSha)).toMatchObject({ state: 'failure' });
    expect(h.planComments(6)[0]?.body).toContain('Locked by #5');
    // `sluice unlock` on the merged PR releases it, lists what was released, and PR 6 plans.
    await h.comment(5, 'sluice unlock');
    await h.fake.waitFor(() => h.replies(5).some((r) => r.includes('Released 1 lock')), {
      timeoutMs: 30_000,
    });
    expect(h.replies(5).join('\n')).toContain('`bypass`');
    await h.fake.waitFor(() => !(h.planComments(6)[0]?.body ?? '').includes('Locked by'), {
      timeoutMs: 90_000,
    });
    await h.closePullRequest(other);
  });

  it('a push after approval needs a new approval: merge does not apply the unreviewed commit', async () => {
    const pr = await h.openPullRequest(7, { 'pushed/main.tf': stack(states, 'pushed', 2) });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    const pushed = await h.push(pr, { 'pushed/main.tf': stack(states, 'pushed', 5) });
    expect(await h.planDone(pushed.headSha)).toMatchObject({ state: 'success' });
    const mergeSha = await h.merge(pushed);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'failure' });
    expect(states.serials('pushed')).toEqual([]);
    expect(h.replies(7).join('\n')).toMatch(/approval was given on an earlier commit/);
  });

  it('a base branch that moved under the project is re-planned on the merge commit, not applied', async () => {
    const pr = await h.openPullRequest(8, { 'moving/main.tf': stack(states, 'moving', 2) });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    // Someone else's change to the same project lands on main first, in another file.
    await h.pushToMain({ 'moving/extra.tf': 'resource "terraform_data" "extra" {\n  input = "x"\n}\n' });
    const mergeSha = await h.merge(pr);
    expect(await h.planDone(mergeSha)).toMatchObject({ state: 'success' });
    expect(states.serials('moving')).toEqual([]);
    expect(h.replies(8).join('\n')).toMatch(/merged result is not what was reviewed/);
    const replanned = h.planComments(8)[0]?.body ?? '';
    expect(replanned).toContain(mergeSha.slice(0, 7));
    expect(replanned).toContain('terraform_data.extra');
    // An authorized `sluice apply` on the merged PR applies the plan of the merge commit.
    await h.comment(8, 'sluice apply', 'reviewer');
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'success' });
    expect(resourcesIn(states, 'moving')).toContain('terraform_data.extra');
    expect(states.serials('moving')).toHaveLength(1);
  });
});

describe('apply on comment (comment mode, automerge)', () => {
  let h: Harness;
  let states: StateServer;

  beforeAll(async () => {
    states = await startStateServer();
    h = await startHarness({
      redisUrl: inject('redisUrl'),
      initialFiles: { 'README.md': '# infra\n', 'svc/main.tf': stack(states, 'svc', 1) },
      env: { SLUICE_SANDBOX_NETWORK: 'on', SLUICE_APPLY_MODE: 'comment', SLUICE_AUTOMERGE: 'true' },
    });
    h.fake.setPermission(OWNER, REPO, 'dev', 'write');
    h.fake.setPermission(OWNER, REPO, 'reviewer', 'write');
    h.fake.setPermission(OWNER, REPO, 'visitor', 'read');
  });
  afterEach(() => h.fake.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    await states?.close();
  });

  it('refuses before approval with reasons, applies after, then merges', async () => {
    const pr = await h.openPullRequest(1, { 'svc/main.tf': stack(states, 'svc', 2) });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    expect(h.planComments(1)[0]?.body).toContain('comment `sluice apply`');

    const refusedId = await h.comment(1, 'sluice apply');
    await h.fake.waitFor(() => h.replies(1).some((r) => r.includes('cannot apply yet')), {
      timeoutMs: 30_000,
    });
    expect(h.replies(1).join('\n')).toMatch(/\*\*Approved\*\*: nobody but the author has approved/);
    expect(h.fake.reactions).toContainEqual(
      expect.objectContaining({ commentId: refusedId, content: 'eyes' }),
    );
    expect(states.serials('svc')).toEqual([]);

    await h.comment(1, 'sluice apply', 'visitor');
    await h.fake.waitFor(() => h.replies(1).some((r) => r.includes('needs write access')), {
      timeoutMs: 30_000,
    });

    await h.comment(1, 'sluice aply');
    await h.fake.waitFor(
      () => h.replies(1).some((r) => r.includes('Did you mean') || r.includes('did you mean')),
      {
        timeoutMs: 30_000,
      },
    );

    h.approve(pr);
    await h.comment(1, 'sluice apply');
    await h.fake.waitFor(
      () => h.fake.latestStatuses(OWNER, REPO, pr.headSha).get('sluice/apply')?.state === 'success',
      {
        timeoutMs: 90_000,
      },
    );
    expect(states.serials('svc')).toHaveLength(1);
    await h.fake.waitFor(() => h.fake.pullRequest(OWNER, REPO, 1)?.merged === true, { timeoutMs: 30_000 });
    expect(h.applyComments(1)[0]).toContain('sluice apply');
  });
});
