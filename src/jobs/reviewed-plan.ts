import { codeSpan } from '../comments/markdown.js';
import type { Logger } from '../logger.js';
import { tamperedLogLine } from '../store/plan-key-log.js';
import {
  dbtPlanArtifactHash,
  isTampered,
  planArtifactHash,
  type TamperedRecord,
} from '../store/sealed-store.js';
import type { DbtPlanArtifact, PlanArtifact, PlannedProject, Store } from '../store/types.js';

export type ReviewedPlan<T> =
  | { ok: true; artifact: T }
  | { ok: false; why: 'missing' }
  | { ok: false; why: 'tampered'; record: TamperedRecord };

/** The commit status of a project (or of the apply) whose stored plan failed its integrity check. */
export const TAMPERED_STATUS = 'Not applied: the stored plan failed its integrity check';

/**
 * The stored plan a PR's (sealed) plan state names for a project: sealed under its own key and with
 * exactly the content hash the state recorded, so neither another PR's plan nor an earlier plan of
 * this one can stand in for it. Anything else is tampering, reported to the log here.
 */
export async function readReviewedPlan(
  store: Store,
  planned: Pick<PlannedProject, 'planKey' | 'planHash'>,
  log: Logger,
): Promise<ReviewedPlan<PlanArtifact>> {
  return reviewed(() => store.plans.get(planned.planKey), planArtifactHash, 'plan', planned, log);
}

export async function readReviewedDbtPlan(
  store: Store,
  planned: Pick<PlannedProject, 'planKey' | 'planHash'>,
  log: Logger,
): Promise<ReviewedPlan<DbtPlanArtifact>> {
  return reviewed(() => store.dbt.getPlan(planned.planKey), dbtPlanArtifactHash, 'dbt-plan', planned, log);
}

async function reviewed<T>(
  read: () => Promise<T | undefined>,
  hash: (artifact: T) => string,
  kind: TamperedRecord['kind'],
  planned: Pick<PlannedProject, 'planKey' | 'planHash'>,
  log: Logger,
): Promise<ReviewedPlan<T>> {
  let artifact: T | undefined;
  try {
    artifact = await read();
  } catch (error) {
    if (!isTampered(error)) throw error;
    return tampered(error.record, log);
  }
  if (!artifact) return { ok: false, why: 'missing' };
  if (planned.planHash === undefined || hash(artifact) !== planned.planHash) {
    // Sealed, but not the plan that was reviewed: an earlier plan of the same project put back.
    return tampered({ kind, key: planned.planKey, reason: 'mismatch' }, log);
  }
  return { ok: true, artifact };
}

function tampered(record: TamperedRecord, log: Logger): ReviewedPlan<never> {
  log.error({ record }, tamperedLogLine(record));
  return { ok: false, why: 'tampered', record };
}

/** What the PR is told when a stored plan (or the PR's plan state: no project) fails its integrity check. */
export function tamperedPlanMessage(record: TamperedRecord, project?: string): string {
  const [what, its] = project
    ? [`the stored plan for ${codeSpan(project)}`, 'its']
    : ['the stored plans of this change', 'their'];
  return record.reason === 'unsealed'
    ? `**Not applied:** ${what} ${project ? 'has' : 'have'} no integrity seal: stored before Sluice sealed plans, or by something other than Sluice. Comment \`sluice plan\` to plan again, review the new plan, then apply.`
    : `**Not applied:** ${what} failed ${its} integrity check: ${project ? 'it was' : 'they were'} changed outside Sluice. Comment \`sluice plan\` to plan again, and check who can write to Redis (or the data directory).`;
}
