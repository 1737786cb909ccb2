import type { Logger } from '../logger.js';
import { tamperedLogLine } from '../store/plan-key-log.js';
import { isTampered, type TamperedRecord } from '../store/sealed-store.js';
import type { PullState, Store } from '../store/types.js';

/** A PR's plan state for an apply: absent, or verified, or failed its seal (logged here). */
export async function readPullState(
  store: Store,
  prKey: string,
  log: Logger,
): Promise<{ ok: true; state: PullState | undefined } | { ok: false; record: TamperedRecord }> {
  try {
    return { ok: true, state: await store.pulls.get(prKey) };
  } catch (error) {
    if (!isTampered(error)) throw error;
    log.error({ record: error.record }, tamperedLogLine(error.record));
    return { ok: false, record: error.record };
  }
}

/**
 * A PR's plan state for housekeeping (permissions, locks, re-plans): one that fails its seal is logged
 * and treated as gone, so `sluice plan`, `sluice unlock` and closing the PR still work and replace it.
 */
export async function pullStateIfIntact(
  deps: { store: Store; logger: Logger },
  prKey: string,
): Promise<PullState | undefined> {
  const read = await readPullState(deps.store, prKey, deps.logger);
  return read.ok ? read.state : undefined;
}
