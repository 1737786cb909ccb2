import type { Logger } from '../logger.js';
import type { PlanKey, PlanKeySource } from './plan-key.js';
import type { TamperedRecord } from './sealed-store.js';

/**
 * Says at start where the plan key comes from (never the key), and warns when a generated key meets
 * Redis: every worker must seal and check with the same key, and a data directory is per machine.
 */
export function logPlanKey(
  logger: Logger,
  key: PlanKey,
  settings: { redisUrl?: string; planKey: PlanKeySource },
): void {
  logger.info({ planKey: key.origin }, 'stored plans are sealed with the plan key');
  if (settings.redisUrl && settings.planKey.kind === 'generated') {
    logger.warn(
      { planKey: key.origin },
      `REDIS_URL is set but SLUICE_PLAN_KEY (or SLUICE_PLAN_KEY_FILE) is not: this process seals plans with the key generated in ${key.origin}. Every Sluice process on this Redis must use the same key, or applies are refused as tampered: set SLUICE_PLAN_KEY to the same random value (e.g. \`openssl rand -hex 32\`) on every server and worker.`,
    );
  }
}

/** The error log line for a stored record that failed its seal: what happened and what to do. */
export function tamperedLogLine(record: TamperedRecord): string {
  return record.reason === 'unsealed'
    ? `stored ${record.kind} record ${record.key} has no seal: it was written before Sluice sealed plans, or by something other than Sluice; it is not used`
    : `stored ${record.kind} record ${record.key} failed its integrity check: it was changed outside Sluice (check who can write to the store), or Sluice processes use different plan keys (SLUICE_PLAN_KEY); it is not used`;
}
