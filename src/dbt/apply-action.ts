import type { ManifestNode } from './manifest.js';
import type { ChangeCategory, ChangeReason } from './plan-result.js';

/**
 * What applying the change does (Write-Audit-Publish, src/runner/dbt/apply-dbt-project.ts), in a few
 * words for the impact table. A changed or downstream model gets a new keyed table (or view), audited
 * by its tests before its public view switches to it. The materialization is the head's (the base's
 * for a removed node).
 */
export function applyAction(
  node: ManifestNode,
  reasons: readonly ChangeReason[],
  category: ChangeCategory,
): string {
  if (reasons.includes('removed')) {
    return node.resource_type === 'model' || node.resource_type === 'seed'
      ? 'drop its view (its table stays until collected)'
      : 'nothing';
  }
  if (category === 'metadata-only') return 'nothing to rebuild (documentation only)';
  const isNew = reasons.includes('new');
  switch (node.resource_type) {
    case 'seed':
      return isNew ? 'load seed, publish' : 'load seed anew, switch view';
    case 'snapshot':
      return 'nothing: snapshots keep history, run them on your schedule';
    case 'source':
      return 'nothing to build (source); downstream models rebuild';
    case 'model':
      return modelAction(String(node.config?.materialized ?? 'view'), isNew);
    default:
      return 'run';
  }
}

function modelAction(materialized: string, isNew: boolean): string {
  const what: Record<string, string> = {
    table: 'table',
    view: 'view',
    incremental: 'table (incremental: full build)',
    materialized_view: 'materialized view',
  };
  if (materialized === 'ephemeral') return 'nothing (ephemeral: inlined into downstream models)';
  const built = what[materialized] ?? materialized;
  const verb = materialized === 'view' ? 'create' : 'build';
  return isNew ? `${verb} ${built}, publish` : `${verb} new ${built}, switch view`;
}
