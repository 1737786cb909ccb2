import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { ApplyAttempt, ApplyJournal } from '../store/types.js';

/** When a heartbeat this old means the worker is gone, given the queue's lease. */
export function staleAfterMs(leaseMs: number): number {
  return 3 * leaseMs;
}

/** A heartbeat time no one renews: the attempt may be recovered by any apply now. */
export const GIVEN_UP = new Date(0).toISOString();

export function newAttempt(input: {
  claim: string;
  prKey: string;
  project: string;
  runId: string;
  now?: Date;
}): ApplyAttempt {
  const at = (input.now ?? new Date()).toISOString();
  return {
    claim: input.claim,
    prKey: input.prKey,
    project: input.project,
    runId: input.runId,
    attemptId: randomBytes(6).toString('hex'),
    startedAt: at,
    heartbeatAt: at,
    phase: 'claimed',
  };
}

/**
 * What a run does with a plan that already has an attempt record: `recover` when it is this job's own
 * earlier attempt (the queue retried it after its worker died or lost its lease) or an attempt whose
 * worker stopped renewing it; `applied` when this job's earlier attempt finished applied; otherwise
 * `busy` (someone else runs it, or it is settled).
 */
export function previousAttempt(
  previous: ApplyAttempt | undefined,
  runId: string,
  now: number,
  leaseMs: number,
): 'recover' | 'applied' | 'busy' | 'gone' {
  if (!previous) return 'gone';
  // This job applied it and stopped before reporting: report it. Another run: it is not run again.
  if (previous.phase === 'finished')
    return previous.outcome === 'applied' && previous.runId === runId ? 'applied' : 'busy';
  if (previous.runId === runId) return 'recover';
  return now - Date.parse(previous.heartbeatAt) > staleAfterMs(leaseMs) ? 'recover' : 'busy';
}

/**
 * Keeps an attempt's heartbeat fresh while its tool runs. `lost()` is true once another attempt took
 * the record over: this worker was presumed dead (a long pause), and must not write it again.
 */
export function keepAlive(journal: ApplyJournal, attempt: ApplyAttempt, everyMs: number, log: Logger) {
  let current = attempt;
  let lost = false;
  let inFlight: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    const next = { ...current, heartbeatAt: new Date().toISOString() };
    inFlight = journal.update(next).then(
      (held) => {
        if (held) current = next;
        else lost = true;
      },
      (error: unknown) => log.warn({ err: error }, 'could not renew the apply attempt heartbeat'),
    );
  }, everyMs);
  timer.unref();
  return {
    current: () => current,
    lost: () => lost,
    /** Stops renewing; resolves once a renewal under way has landed (so nothing overwrites what follows). */
    stop: async () => {
      clearInterval(timer);
      await inFlight;
    },
  };
}
