import type { PlanSummary, ResourceAction, ResourceChange } from '../types.js';

/** The parts of `tofu show -json` a summary needs (https://opentofu.org/docs/internals/json-format/). */
interface PlanJson {
  resource_changes?: Array<{ address: string; mode?: string; change: { actions: string[] } }>;
  output_changes?: Record<string, { actions: string[] }>;
}

/** Maps a change's action list to one action, as the tool's own plan output does. */
export function actionOf(actions: readonly string[]): ResourceAction {
  if (actions.includes('delete') && actions.includes('create')) return 'replace';
  const [first] = actions;
  if (first === 'create' || first === 'update' || first === 'delete' || first === 'read') return first;
  return 'no-op';
}

/** Counts as the tool's "Plan: N to add, N to change, N to destroy" line does: a replacement adds and destroys. */
export function summarizePlan(planJson: string): PlanSummary {
  const plan = JSON.parse(planJson) as PlanJson;
  const resources: ResourceChange[] = [];
  const summary = { add: 0, change: 0, destroy: 0, replace: 0 };
  for (const change of plan.resource_changes ?? []) {
    const action = actionOf(change.change.actions);
    if (action === 'no-op' || action === 'read') continue;
    resources.push({ address: change.address, action });
    if (action === 'create') summary.add++;
    if (action === 'update') summary.change++;
    if (action === 'delete') summary.destroy++;
    if (action === 'replace') {
      summary.replace++;
      summary.add++;
      summary.destroy++;
    }
  }
  const outputChanges = Object.entries(plan.output_changes ?? {})
    .filter(([, change]) => actionOf(change.actions) !== 'no-op')
    .map(([name]) => name);
  return {
    ...summary,
    outputChanges,
    resources,
    noChanges: resources.length === 0 && outputChanges.length === 0,
  };
}
