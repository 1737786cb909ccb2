import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BackendName, type Harness, OWNER, REPO, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';
import { startWorkerProcess, stopped } from '../support/worker-process.js';

/**
 * kill -9 of the worker at points of an apply (and of a plan), on both backends; a worker paused past
 * its lease. Every trial: no double apply, no lost job, no lock or status left pending, no "not run"
 * message for an apply that ran, no tool state lock left, and an accurate PR message.
 *
 * Fast (CI): a few trials per backend. Long: SLUICE_FAULT_TRIALS=20 (per backend); see docs/faults.md.
 */
const PHASES = [
  'before-claim',
  'after-claim',
  'during-apply',
  'during-state-write',
  'before-comment',
  'after-comment',
] as const;
type Phase = (typeof PHASES)[number];
const LONG = Number(process.env.SLUICE_FAULT_TRIALS ?? 0);
const FAST_PHASES: Phase[] = ['after-claim', 'during-apply', 'during-state-write'];
const trialPhases: Phase[] = LONG
  ? Array.from({ length: LONG }, (_, i) => PHASES[i % PHASES.length] as Phase)
  : FAST_PHASES;

const DIR = 'k';
const CONTEXT = `sluice/apply: ${DIR}`;
const config = (states: StateServer) => `${states.backend(DIR)}variable "trial" {
  default = "1"
}

resource "terraform_data" "r0" {
  input            = "r0-\${var.trial}"
  triggers_replace = var.trial
  provisioner "local-exec" {
    command = "sleep 2"
  }
}
`;

const workerEnv: Record<string, string> = {
  SLUICE_SANDBOX_NETWORK: 'on',
  SLUICE_APPLY_MODE: 'comment',
  SLUICE_JOB_LEASE_SECONDS: '2',
  SLUICE_APPLY_RECOVERY_WAIT_SECONDS: '3',
};

const startWorker = (h: Harness) => startWorkerProcess(h, workerEnv);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(['redis', 'embedded'] as BackendName[])('kill -9 during apply and plan (%s)', (backend) => {
  let h: Harness;
  let states: StateServer;
  let headSha = '';
  let trial = 0;
  const workers: ChildProcess[] = [];
  const spawnWorker = () => {
    const child = startWorker(h);
    workers.push(child);
    return child;
  };

  beforeAll(async () => {
    states = await startStateServer();
    // The state backend runs on loopback: the sandbox reaches it only when listed by address.
    workerEnv.SLUICE_EGRESS_HOSTS = new URL(states.url).host;
    h = await startHarness({
      backend,
      initialFiles: {
        'README.md': '# infra\n',
        [`${DIR}/main.tf`]: `${states.backend(DIR)}resource "terraform_data" "r0" {\n  input = "r0-0"\n}\n`,
      },
      env: workerEnv,
      workers: 0,
    });
    for (const user of ['dev', 'reviewer']) h.fake.setPermission(OWNER, REPO, user, 'write');
  }, 120_000);
  afterEach(() => h.fake.assertNoViolations());
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopped(w)));
    await h?.close();
    await states?.close();
  });

  const statuses = () => h.fake.statuses(OWNER, REPO, headSha);
  const applyComment = () => h.applyComments(1)[0] ?? '';

  /** Waits until the trial has reached `phase` (seen from the forge and the state backend), as a kill point. */
  async function reach(phase: Phase, since: { events: number; statuses: number; comment: string }) {
    const newEvents = () => states.events.slice(since.events);
    const newStatuses = () => statuses().slice(since.statuses);
    const wait = (predicate: () => boolean) =>
      h.fake.waitFor(predicate, { timeoutMs: 60_000, intervalMs: 10 });
    if (phase === 'before-claim') return sleep(50);
    if (phase === 'after-claim')
      return wait(() => newStatuses().some((s) => s.context === CONTEXT && s.state === 'pending'));
    if (phase === 'during-apply') {
      await wait(() => newEvents().some((e) => e.kind === 'lock'));
      return sleep(500);
    }
    if (phase === 'during-state-write') return wait(() => newEvents().some((e) => e.kind === 'write'));
    if (phase === 'before-comment') return wait(() => newEvents().some((e) => e.kind === 'unlock'));
    return wait(() => applyComment() !== since.comment);
  }

  it(`${trialPhases.length} trials: a worker killed at a point of an apply; the retry finishes it exactly once`, async () => {
    let worker = spawnWorker();
    const pr = await h.openPullRequest(1, { [`${DIR}/main.tf`]: config(states) });
    headSha = pr.headSha;
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    for (const phase of trialPhases) {
      trial++;
      if (trial > 1) {
        await h.comment(1, `sluice plan -- -var=trial=${trial}`);
        await h.fake.waitFor(() => (h.planComments(1)[0]?.body ?? '').includes(`"r0-${trial}"`), {
          timeoutMs: 90_000,
        });
        expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
        // A re-plan with other variables needs a new approval (the approval is bound to the plan).
        h.approve(pr);
      }
      const since = { events: states.events.length, statuses: statuses().length, comment: applyComment() };
      const replies = h.replies(1).length;
      const serialBefore = states.state(DIR)?.serial ?? 0;
      states.writeDelayMs = phase === 'during-state-write' ? 3_000 : 0;
      await h.comment(1, 'sluice apply');
      await reach(phase, since);
      await stopped(worker);
      states.writeDelayMs = 0;
      worker = spawnWorker();

      // Settled: the project's apply status is final and the apply comment is this trial's.
      await h.fake
        .waitFor(
          () => {
            const latest = new Map(
              statuses()
                .slice(since.statuses)
                .map((s) => [s.context, s]),
            );
            const project = latest.get(CONTEXT);
            return project !== undefined && project.state !== 'pending' && applyComment() !== since.comment;
          },
          { timeoutMs: 120_000 },
        )
        .catch((error: Error) => {
          const seen = statuses()
            .slice(since.statuses)
            .map((s) => `${s.context}=${s.state} ${s.description}`);
          throw new Error(
            `trial ${trial} (${phase}) did not settle: ${error.message}\nstatuses: ${seen.join(' | ')}\nreplies: ${h.replies(1).slice(replies).join(' | ')}\nlock held: ${states.lockHeld(DIR)}`,
          );
        });
      await sleep(2_000);
      const latest = new Map(statuses().map((s) => [s.context, s]));
      const written = [
        ...new Set(
          states.events
            .slice(since.events)
            .filter((e) => e.kind === 'write')
            .map((e) => e.serial),
        ),
      ];
      const newReplies = h.replies(1).slice(replies);
      const line = `${backend} trial ${trial} ${phase}: ${latest.get(CONTEXT)?.state}, writes ${written.join(',')}`;
      if (LONG) console.log(line);
      // Applied exactly once: one new serial, the trial's value in the state.
      expect(written, phase).toEqual([serialBefore + 1]);
      expect(JSON.stringify(states.state(DIR))).toContain(`"r0-${trial}"`);
      // Nothing pending, no tool lock left, and the PR says it was applied (never "not run").
      expect(latest.get(CONTEXT)?.state, phase).toBe('success');
      expect(latest.get('sluice/apply')?.state).toBe('success');
      expect(states.lockHeld(DIR), phase).toBeUndefined();
      expect(applyComment()).toContain('Applied');
      expect(applyComment()).not.toContain('Not run again');
      for (const reply of newReplies) {
        expect(reply).not.toContain('did not run this plan again');
        expect(reply).not.toContain('Apply not finished');
      }
      expect(states.unlockedWrites).toBe(0);
    }
  }, 900_000);

  it('a worker killed mid-plan: the plan job runs again and the PR gets its plan', async () => {
    let worker = spawnWorker();
    const pr = await h.openPullRequest(2, {
      'p/main.tf': 'resource "terraform_data" "p" {\n  input = "p"\n}\n',
    });
    await h.fake.waitFor(() => h.fake.statuses(OWNER, REPO, pr.headSha).some((s) => s.state === 'pending'), {
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    await stopped(worker);
    worker = spawnWorker();
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    expect(h.planComments(2)[0]?.body).toContain('terraform_data.p');
    await stopped(worker);
  }, 180_000);

  it('a worker paused past its lease mid-apply (a long GC pause): no double apply, one accurate result', async () => {
    await Promise.all(workers.splice(0).map((w) => stopped(w)));
    trial++;
    await h.comment(1, `sluice plan -- -var=trial=${trial}`);
    const first = spawnWorker();
    await h.fake.waitFor(() => (h.planComments(1)[0]?.body ?? '').includes(`"r0-${trial}"`), {
      timeoutMs: 90_000,
    });
    expect(await h.planDone(headSha)).toMatchObject({ state: 'success' });
    h.fake.addReview({
      owner: OWNER,
      repo: REPO,
      number: 1,
      user: 'reviewer',
      state: 'APPROVED',
      commitId: headSha,
    });
    const since = { events: states.events.length, statuses: statuses().length, comment: applyComment() };
    const serialBefore = states.state(DIR)?.serial ?? 0;
    await h.comment(1, 'sluice apply');
    await h.fake.waitFor(() => states.events.slice(since.events).some((e) => e.kind === 'lock'), {
      timeoutMs: 60_000,
      intervalMs: 10,
    });
    // The worker stops; its lease runs out and another worker takes the job. The tool's network goes
    // through the paused worker's egress proxy, so the tool stalls too: the new worker waits out the
    // pause (a recovery wait longer than it, as docs/faults.md advises) before judging the state.
    first.kill('SIGSTOP');
    const second = startWorkerProcess(h, { ...workerEnv, SLUICE_APPLY_RECOVERY_WAIT_SECONDS: '20' });
    workers.push(second);
    await sleep(8_000);
    first.kill('SIGCONT');
    // Settled: the project's apply status is final and the apply comment is this trial's.
    const final = () =>
      new Map(
        statuses()
          .slice(since.statuses)
          .map((s) => [s.context, s]),
      ).get(CONTEXT);
    await h.fake
      .waitFor(() => (final()?.state ?? 'pending') !== 'pending' && applyComment() !== since.comment, {
        timeoutMs: 120_000,
      })
      .catch((error: unknown) => {
        // What the trial saw, to tell a slow machine from a wrong outcome.
        console.error('the paused trial did not settle:', {
          statuses: statuses().slice(since.statuses),
          applyComment: applyComment(),
          stateEvents: states.events.slice(since.events),
        });
        throw error;
      });
    await sleep(3_000);
    const events = states.events.slice(since.events);
    // Never a second apply: the tool took the state lock once to apply (and once more, at most, for the
    // retry's read of the state).
    expect(events.filter((e) => e.kind === 'lock').length).toBeLessThanOrEqual(2);
    expect(states.lockHeld(DIR)).toBeUndefined();
    expect(states.unlockedWrites).toBe(0);
    const written = [...new Set(events.filter((e) => e.kind === 'write').map((e) => e.serial))];
    if (final()?.state === 'success') {
      // The paused tool finished while the retry waited for its lock: applied once, reported applied.
      expect(written).toEqual([serialBefore + 1]);
      expect(JSON.stringify(states.state(DIR))).toContain(`"r0-${trial}"`);
    } else {
      // The woken worker stopped its tool part-way (SIGINT): the retry says exactly what differs and
      // what to do, and applies nothing more.
      expect(final()?.state).toBe('error');
      expect(applyComment()).toContain('The apply was interrupted part-way');
      expect(applyComment()).toContain('Comment `sluice plan`');
      expect(written.every((serial) => (serial ?? 0) > serialBefore)).toBe(true);
    }
    await Promise.all([stopped(first), stopped(second)]);
  }, 300_000);
});
