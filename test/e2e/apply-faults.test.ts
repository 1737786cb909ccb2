import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Harness, OWNER, REPO, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';
import { startWorkerProcess, stopped } from '../support/worker-process.js';

const resource = (name: string, extra = '') =>
  `resource "terraform_data" "${name}" {\n  input = "${name}"\n${extra}}\n`;

const startWorker = (h: Harness, env: Record<string, string>) => {
  if (!h.settings.redisUrl) throw new Error('the harness runs on Redis');
  return startWorkerProcess(h, env);
};
const killed = (child: ChildProcess) => stopped(child);

describe('apply under faults', () => {
  let h: Harness;
  let states: StateServer;
  const workers: ChildProcess[] = [];
  const workerEnv: Record<string, string> = {
    SLUICE_SANDBOX_NETWORK: 'on',
    SLUICE_APPLY_MODE: 'comment',
    SLUICE_JOB_LEASE_SECONDS: '3',
    SLUICE_APPLY_RECOVERY_WAIT_SECONDS: '3',
  };

  beforeAll(async () => {
    states = await startStateServer();
    // The state backend on the host's loopback: reachable from the sandbox only because it is listed.
    workerEnv.SLUICE_EGRESS_HOSTS = new URL(states.url).host;
    h = await startHarness({
      redisUrl: inject('redisUrl'),
      initialFiles: {
        'README.md': '# infra\n',
        'race/main.tf': `${states.backend('race')}${resource('r0')}`,
        'slow/main.tf': `${states.backend('slow')}${resource('s0')}`,
      },
      env: workerEnv,
      // Jobs run in separate worker processes only.
      workers: 0,
    });
    for (const user of ['dev', 'reviewer']) h.fake.setPermission(OWNER, REPO, user, 'write');
  });
  afterEach(() => h.fake.assertNoViolations());
  afterAll(async () => {
    await Promise.all(workers.map(killed));
    await h?.close();
    await states?.close();
  });

  it('fifty trials of three concurrent `sluice apply` on one workspace: one apply each, state serial +1 each', async () => {
    workers.push(startWorker(h, workerEnv), startWorker(h, workerEnv));
    const race = `${states.backend('race')}variable "trial" {
  default = "1"
}

resource "terraform_data" "r0" {
  input = "r0-\${var.trial}"
}
`;
    const pr = await h.openPullRequest(1, { 'race/main.tf': race });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    const trials = Number(process.env.SLUICE_TEST_TRIALS ?? 50);
    for (let trial = 1; trial <= trials; trial++) {
      if (trial > 1) {
        // A fresh plan to apply: the input changes every trial, so every apply changes state.
        await h.comment(1, `sluice plan -- -var=trial=${trial}`);
        await h.fake.waitFor(() => (h.planComments(1)[0]?.body ?? '').includes(`"r0-${trial}"`), {
          timeoutMs: 60_000,
        });
        expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
        // Other variables than the approved plan's: it needs a new approval (docs/plan-integrity.md).
        h.approve(pr);
      }
      const before = states.serials('race').length;
      await Promise.all([
        h.comment(1, 'sluice apply'),
        h.comment(1, 'sluice apply'),
        h.comment(1, 'sluice apply'),
      ]);
      await h.fake.waitFor(() => states.serials('race').length > before, { timeoutMs: 60_000 });
      // Let the other two attempts finish too, then nothing more may have been written.
      const refused = () =>
        h
          .replies(1)
          .filter((r) => r.includes('did not run this plan again') || r.includes('Nothing to apply')).length;
      await h.fake.waitFor(() => refused() >= 2 * trial, { timeoutMs: 60_000 });
      expect(states.serials('race').length).toBe(before + 1);
      if (process.env.SLUICE_TEST_TRIALS) console.log(`trial ${trial} done at ${new Date().toISOString()}`);
    }
    const serials = states.serials('race');
    expect(serials).toHaveLength(trials);
    expect(serials.every((serial, i) => i === 0 || serial === (serials[i - 1] ?? 0) + 1)).toBe(true);
    expect(states.overlaps).toBe(0);
    await h.closePullRequest(pr);
    await Promise.all(workers.splice(0).map(killed));
  }, 900_000);

  it('a worker killed mid-apply: its retry reads the state, removes the lock the tool left, and finishes the apply once', async () => {
    const first = startWorker(h, workerEnv);
    workers.push(first);
    const slow = `${states.backend('slow')}${resource('s0')}${resource('s1', '  provisioner "local-exec" {\n    command = "sleep 8"\n  }\n')}`;
    const pr = await h.openPullRequest(2, { 'slow/main.tf': slow });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    await h.comment(2, 'sluice apply');
    // The apply is under way: the tool holds the state lock and is in the provisioner.
    await h.fake.waitFor(() => states.lockHeld('slow') !== undefined, { timeoutMs: 60_000 });
    await new Promise((r) => setTimeout(r, 1_000));
    await killed(first);
    // SIGKILL: the tool died with its worker and left its lock in the backend.
    expect(states.lockHeld('slow')).toBeDefined();
    const writesAtCrash = states.serials('slow').length;

    workers.push(startWorker(h, workerEnv));
    await h.fake.waitFor(() => (h.applyComments(2)[0] ?? '').length > 0, { timeoutMs: 90_000 });
    const comment = h.applyComments(2)[0] ?? '';
    const status = h.fake.latestStatuses(OWNER, REPO, pr.headSha).get('sluice/apply: slow');
    expect(status?.state).not.toBe('pending');
    expect(states.lockHeld('slow')).toBeUndefined();
    const resources = (states.state('slow')?.resources ?? []).map((r) => r.name).sort();
    if (writesAtCrash === 0) {
      // Nothing was written before the kill: the saved plan was still exact and ran once more, to the end.
      expect(comment).toContain('applied it again');
      expect(comment).toContain('removed the state lock');
      expect(status?.state).toBe('success');
      expect(resources).toEqual(['s0', 's1']);
    } else {
      // A partial write: the PR is told precisely what differs and what to do; nothing runs again.
      expect(comment).toContain('interrupted part-way');
      expect(comment).toContain('sluice plan');
      expect(status?.state).toBe('error');
      expect(states.serials('slow').length).toBe(writesAtCrash);
    }
    expect(comment).not.toContain('did not run this plan again');
    // Recovery probes the held lock (refused, as it should be); no state was written without the lock.
    expect(states.unlockedWrites).toBe(0);

    // The lock belongs to PR 2, not to the dead process: PR 3 on the same project is refused.
    const other = await h.openPullRequest(3, { 'slow/main.tf': `${slow}${resource('s2')}` });
    expect(await h.planDone(other.headSha)).toMatchObject({ state: 'failure' });
    expect(h.planComments(3)[0]?.body).toContain('Locked by #2');
    // Releasing it by hand frees the project.
    await h.comment(2, 'sluice unlock');
    await h.fake.waitFor(() => h.replies(2).some((r) => r.includes('Released 1 lock')), {
      timeoutMs: 30_000,
    });
  }, 180_000);

  it('the reconciler releases the locks of a PR closed while Sluice was not listening', async () => {
    workers.push(startWorker(h, workerEnv));
    const pr = await h.openPullRequest(4, { 'race/main.tf': `${states.backend('race')}${resource('r9')}` });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    // Closed on the forge, but the webhook never arrives.
    h.fake.updatePullRequest({ owner: OWNER, repo: REPO, number: 4, state: 'closed' });
    const next = await h.openPullRequest(5, { 'race/main.tf': `${states.backend('race')}${resource('r8')}` });
    expect(await h.planDone(next.headSha)).toMatchObject({ state: 'failure' });
    expect(h.planComments(5)[0]?.body).toContain('Locked by #4');
    // A reconciliation (periodic, and at every server start) finds PR 4 closed and frees the lock;
    // PR 5, which was waiting for it, is planned again.
    await h.sluice.reconcileNow();
    await h.fake.waitFor(() => !(h.planComments(5)[0]?.body ?? '').includes('Locked by'), {
      timeoutMs: 60_000,
    });
    expect(h.planComments(5)[0]?.body).toContain('released the lock');
  });

  it('a saved plan the tool reports stale is not applied: Sluice plans again and says why', async () => {
    workers.push(startWorker(h, workerEnv));
    const file = `${states.backend('drift')}${resource('d0')}`;
    const pr = await h.openPullRequest(6, { 'drift/main.tf': file });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    // Someone changes the state outside Sluice after the plan (a newer serial, same lineage).
    const plannedComment = h.planComments(6)[0]?.body ?? '';
    await fetch(`${states.url}/state/drift`, {
      method: 'POST',
      body: JSON.stringify({ version: 4, serial: 7, lineage: 'outside', outputs: {}, resources: [] }),
    });
    const written = states.serials('drift').length;
    await h.comment(6, 'sluice apply');
    await h.fake.waitFor(() => (h.applyComments(6)[0] ?? '').includes('stale'), { timeoutMs: 60_000 });
    expect(states.serials('drift')).toHaveLength(written);
    // A fresh plan replaces the stale one on the PR.
    await h.fake.waitFor(
      () =>
        (h.planComments(6)[0]?.body ?? '') !== plannedComment &&
        (h.planComments(6)[0]?.body ?? '').includes('stale'),
      {
        timeoutMs: 60_000,
      },
    );
  });
});
