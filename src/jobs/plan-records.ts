import type { PlannedProject, PlanRecord, PullState } from '../store/types.js';
import { appendPlanRecord } from './plan-identity.js';

/** What a plan job stored for one project: the artifact's hash and the plan's identity. */
export interface StoredPlan {
  hash: string;
  identity: Pick<PlanRecord, 'id' | 'inputs'>;
}

/**
 * A freshly planned project with its plan records: the same project's records in the previous state
 * (any commit), then this plan's, stamped `at` (when it is recorded, i.e. before anyone can see it).
 */
export function withPlanRecords(
  planned: PlannedProject,
  previous: PullState | undefined,
  at: string,
): PlannedProject {
  const latest = planned.plans?.at(-1);
  if (!latest) return planned;
  const before = previous?.projects.find(
    (p) => p.name === planned.name && p.dir === planned.dir && p.workspace === planned.workspace,
  );
  return { ...planned, plans: appendPlanRecord(before?.plans, { ...latest, at }) };
}
