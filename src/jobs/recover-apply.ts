import { differencesFromPlan, parseState, sameIdentity } from '../runner/terraform/state-document.js';
import { attemptHostname, type StateProbe } from '../runner/terraform/state-probe.js';
import type { ApplyAttempt, StateIdentity } from '../store/types.js';
import { recoveryText } from './recovery-messages.js';

/** What an interrupted apply did, read from the state: what the retry does next. */
export type Recovery =
  /** The state is as before: the saved plan is exact, apply it (or wait, as the rules say). */
  | { kind: 'unchanged'; released?: string }
  /** The state is exactly what the plan makes: it was applied. */
  | { kind: 'applied'; now: StateIdentity | null; message: string }
  /** Something else, or it cannot be told: nothing runs; the message says what differs and what to do. */
  | { kind: 'differs'; message: string; status: string }
  | { kind: 'unknown'; message: string; status: string };

/**
 * Tells what an interrupted apply attempt did. Waits up to `lockWaitMs` for a tool still holding the
 * state lock (a worker that was only paused); removes a lock the interrupted attempt itself left (its
 * `Who` names the attempt's sandbox host) and no other; then compares the state with the identity
 * recorded before the apply and with the saved plan's planned values.
 */
export async function recoverTerraformApply(input: {
  probe: StateProbe;
  previous: ApplyAttempt;
  planJson: string;
  dir: string;
  lockWaitMs: number;
}): Promise<Recovery> {
  const { probe, previous } = input;
  const failed = await probe.prepare();
  if (failed) return unknown(failed.message);
  const lock = await probe.lock(input.lockWaitMs);
  if (!lock.ok) return unknown(lock.error.message);
  let released: string | undefined;
  if (lock.held) {
    if (!lock.held.who.endsWith(`@${attemptHostname(previous.attemptId)}`)) {
      return {
        kind: 'unknown',
        message: recoveryText.foreignLock(input.dir, lock.held),
        status: 'Not applied: the state is locked by someone else',
      };
    }
    const unlock = await probe.forceUnlock(lock.held.id);
    if (unlock) return unknown(unlock.message);
    released = lock.held.id;
  }
  const read = await probe.read();
  if (!read.ok) return unknown(read.error.message);
  const before = previous.stateBefore ?? null;
  if (sameIdentity(before, read.identity)) return { kind: 'unchanged', released };
  const advanced =
    read.identity !== null &&
    (before === null || (before.lineage === read.identity.lineage && read.identity.serial > before.serial));
  const differences = advanced
    ? differencesFromPlan(input.planJson, parseState(read.text))
    : ['the state is another one (a new lineage) or went back'];
  if (differences.length === 0) {
    return {
      kind: 'applied',
      now: read.identity,
      message: recoveryText.recoveredApplied(read.identity, released),
    };
  }
  return {
    kind: 'differs',
    message: recoveryText.differs(input.dir, before, read.identity, differences),
    status: 'Interrupted part-way: the state differs from the plan',
  };
}

function unknown(message: string): Recovery {
  return {
    kind: 'unknown',
    message: recoveryText.cannotRead(message),
    status: 'Interrupted: the state could not be checked',
  };
}
