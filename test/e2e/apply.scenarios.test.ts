import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Access } from '../support/forge-driver.js';
import { type ForgeName, type Harness, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';

/** A root module keeping its state in the test's http backend, so applies really change state. */
const stack = (states: StateServer, name: string, resources: number) => `${states.backend(name)}
${Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}`;

const resourcesIn = (states: StateServer, name: string) =>
  (states.state(name)?.resources ?? []).map((r) => `${r.type}.${r.name}`).sort();

const FORGES: ForgeName[] = ['github', 'gitlab'];

/** How each forge's users write a pull request and a reference to one (ForgeCapabilities.changeRequest). */
const WORDS: Record<ForgeName, { noun: string; prefix: string }> = {
  github: { noun: 'Pull request', prefix: '#' },
  gitlab: { noun: 'Merge request', prefix: '!' },
};

/**
 * Per describe block: a state server, Sluice on `forge` with each of `stacks` a root module of one
 * resource keeping state there (the sandbox reaches it on loopback), and people with roles.
 */
function applyHarness(
  forge: ForgeName,
  options: { stacks: string[]; env: Record<string, string>; access: Record<string, Access> },
) {
  const ctx = {} as { h: Harness<ForgeName>; states: StateServer };
  beforeAll(async () => {
    ctx.states = await startStateServer();
    const stacks = options.stacks.map((name) => [`${name}/main.tf`, stack(ctx.states, name, 1)]);
    ctx.h = await startHarness({
      forge,
      initialFiles: { 'README.md': '# infra\n', ...Object.fromEntries(stacks) },
      env: {
        SLUICE_SANDBOX_NETWORK: 'on',
        SLUICE_EGRESS_HOSTS: new URL(ctx.states.url).host,
        ...options.env,
      },
    });
    for (const [user, access] of Object.entries(options.access)) ctx.h.forge.setAccess(user, access);
  });
  afterEach(() => ctx.h.forge.assertNoViolations());
  afterAll(async () => {
    await ctx.h?.close();
    await ctx.states?.close();
  });
  return ctx;
}

describe.each(FORGES)('apply on approved merge on %s (merge mode, locks on plan)', (forge) => {
  const { noun, prefix } = WORDS[forge];
  const ctx = applyHarness(forge, {
    stacks: ['app', 'shared', 'bypass', 'moving', 'pushed'],
    env: {},
    access: { dev: 'write', reviewer: 'write' },
  });

  it('open → plan → approve → merge applies the reviewed plan once; closing the next PR unlocks it', async () => {
    const { h, states } = ctx;
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
    // Closing it unmerged releases its lock: a third PR on the project plans straight away too.
    await h.closePullRequest(next);
    const third = await h.openPullRequest(9, { 'app/main.tf': stack(states, 'app', 5) });
    await h.waitFor(() => (h.planComments(9)[0]?.body ?? '').includes('2 to add'), { timeoutMs: 90_000 });
    expect(await h.planDone(third.headSha)).toMatchObject({ state: 'success' });
    await h.closePullRequest(third);
    expect(states.overlaps).toBe(0);
  });

  it('a second PR on a locked project is told who holds it, and is re-planned after the first is applied', async () => {
    const { h, states } = ctx;
    const first = await h.openPullRequest(3, { 'shared/main.tf': stack(states, 'shared', 2) });
    expect(await h.planDone(first.headSha)).toMatchObject({ state: 'success' });
    const second = await h.openPullRequest(4, { 'shared/main.tf': stack(states, 'shared', 3) });
    expect(await h.planDone(second.headSha)).toMatchObject({ state: 'failure' });
    const locked = h.planComments(4)[0]?.body ?? '';
    expect(locked).toContain(`Locked by ${prefix}3`);
    expect(locked).toContain(first.headSha.slice(0, 7));
    expect(locked).toContain('sluice unlock');

    h.approve(first);
    const mergeSha = await h.merge(first);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'success' });
    // PR 4 is planned again, against the state PR 3 left: one more resource to add.
    await h.waitFor(() => !(h.planComments(4)[0]?.body ?? '').includes('Locked by'), {
      timeoutMs: 90_000,
    });
    expect(await h.planDone(second.headSha)).toMatchObject({ state: 'success' });
    const fresh = h.planComments(4)[0]?.body ?? '';
    expect(fresh).toContain('1 to add, 0 to change, 0 to destroy');
    expect(fresh, fresh).toContain(`${noun} ${prefix}3 was just applied`);
    await h.closePullRequest(second);
  });

  it('a merge without approval (admin bypass) is not applied and the PR says why', async () => {
    const { h, states } = ctx;
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
    expect(h.planComments(6)[0]?.body).toContain(`Locked by ${prefix}5`);
    // `sluice unlock` on the merged PR releases it, lists what was released, and PR 6 plans.
    await h.comment(5, 'sluice unlock');
    await h.waitFor(() => h.replies(5).some((r) => r.includes('Released 1 lock')), { timeoutMs: 30_000 });
    expect(h.replies(5).join('\n')).toContain('`bypass`');
    await h.waitFor(() => !(h.planComments(6)[0]?.body ?? '').includes('Locked by'), {
      timeoutMs: 90_000,
    });
    await h.closePullRequest(other);
  });

  it('a push after approval needs a new approval: merge does not apply the unreviewed commit', async () => {
    const { h, states } = ctx;
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
    const { h, states } = ctx;
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

describe.each(FORGES)('apply on comment on %s (comment mode, automerge)', (forge) => {
  const ctx = applyHarness(forge, {
    stacks: ['svc'],
    env: { SLUICE_APPLY_MODE: 'comment', SLUICE_AUTOMERGE: 'true' },
    access: { dev: 'write', reviewer: 'write', visitor: 'read' },
  });

  it('refuses before approval with reasons, applies after, then merges', async () => {
    const { h, states } = ctx;
    const pr = await h.openPullRequest(1, { 'svc/main.tf': stack(states, 'svc', 2) });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    expect(h.planComments(1)[0]?.body).toContain('comment `sluice apply`');

    const refusedId = await h.comment(1, 'sluice apply');
    await h.waitFor(() => h.replies(1).some((r) => r.includes('cannot apply yet')), { timeoutMs: 30_000 });
    expect(h.replies(1).join('\n')).toMatch(/\*\*Approved\*\*: nobody but the author has approved/);
    // Heard: 👀 on the command (a reaction on GitHub, an award emoji on GitLab).
    expect(h.forge.reactions()).toContainEqual(
      expect.objectContaining({ commentId: refusedId, content: 'eyes' }),
    );
    expect(states.serials('svc')).toEqual([]);

    await h.comment(1, 'sluice apply', 'visitor');
    await h.waitFor(() => h.replies(1).some((r) => r.includes('needs write access')), { timeoutMs: 30_000 });

    await h.comment(1, 'sluice aply');
    await h.waitFor(() => h.replies(1).some((r) => /did you mean/i.test(r)), { timeoutMs: 30_000 });

    h.approve(pr);
    await h.comment(1, 'sluice apply');
    await h.waitFor(() => h.forge.latestStatuses(pr.headSha).get('sluice/apply')?.state === 'success', {
      timeoutMs: 90_000,
    });
    expect(states.serials('svc')).toHaveLength(1);
    await h.waitFor(() => h.forge.isMerged(1), { timeoutMs: 30_000 });
    expect(h.applyComments(1)[0]).toContain('sluice apply');
  });
});
