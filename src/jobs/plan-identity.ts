import { createHash } from 'node:crypto';
import type { DbtPlanResult } from '../dbt/plan-result.js';
import type { Project } from '../projects/types.js';
import { canonicalJson } from '../store/seal.js';
import type { PlanRecord } from '../store/types.js';

/** How many hex digits of a plan's id comments show. */
export const SHORT_PLAN_ID = 8;
/** Plans kept per project in a PR's plan state, for approvals. */
export const PLAN_RECORDS_KEPT = 20;

export const shortPlanId = (id: string): string => id.slice(0, SHORT_PLAN_ID);

type Place = Pick<Project, 'name' | 'dir' | 'workspace'>;

/**
 * A Terraform plan's identity, from its `show -json` and the extra arguments it was made with. Plan
 * files embed timestamps, so neither hash is over the file: `id` covers what the plan does (resource
 * and output changes) and what it was made from (variables, arguments); `inputs` only what a person
 * chose (project, arguments, variables), which is what an approval is bound to (docs/plan-integrity.md).
 */
export function terraformPlanIdentity(
  project: Place,
  planJson: string,
  args: readonly string[],
): Pick<PlanRecord, 'id' | 'inputs'> {
  const plan = parse(planJson);
  const place = { name: project.name, dir: project.dir, workspace: project.workspace };
  const inputs = { project: place, args, variables: plan.variables ?? {} };
  const changes = (Array.isArray(plan.resource_changes) ? plan.resource_changes : []).map(
    (r: Record<string, unknown>) => ({ address: r.address, change: r.change }),
  );
  return {
    id: sha256(canonicalJson({ ...inputs, changes, outputs: plan.output_changes ?? {} })),
    inputs: sha256(canonicalJson(inputs)),
  };
}

/** A dbt plan's identity: its result without timings; dbt plans take no arguments. */
export function dbtPlanIdentity(project: Place, result: DbtPlanResult): Pick<PlanRecord, 'id' | 'inputs'> {
  const { steps: _steps, durationMs: _ms, ...stable } = result;
  const place = { name: project.name, dir: project.dir, workspace: project.workspace };
  const inputs = { project: place, args: [] };
  return {
    id: sha256(canonicalJson({ ...inputs, result: stable })),
    inputs: sha256(canonicalJson(inputs)),
  };
}

/** The project's plan records with `latest` appended, carried from its entry in the previous plan state. */
export function appendPlanRecord(
  earlier: readonly PlanRecord[] | undefined,
  latest: PlanRecord,
): PlanRecord[] {
  return [...(earlier ?? []), latest].slice(-PLAN_RECORDS_KEPT);
}

function parse(json: string): Record<string, unknown> & { variables?: unknown; output_changes?: unknown } {
  try {
    const value = JSON.parse(json) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
