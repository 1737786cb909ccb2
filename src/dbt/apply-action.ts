import type { ManifestNode } from './manifest.js';
import type { ChangeCategory, ChangeReason } from './plan-result.js';

/**
 * What applying the change does to the node's relation, in a few words for the impact table. The
 * materialization is the head's (the base's for a removed node).
 */
export function applyAction(
  node: ManifestNode,
  reasons: readonly ChangeReason[],
  category: ChangeCategory,
): string {
  const relation = node.relation_name ? ` \`${node.relation_name}\`` : '';
  if (reasons.includes('removed')) {
    return node.resource_type === 'model' ||
      node.resource_type === 'seed' ||
      node.resource_type === 'snapshot'
      ? `nothing: dbt does not drop${relation}; drop it after the merge`
      : 'nothing';
  }
  if (category === 'metadata-only') return 'nothing to rebuild (documentation only)';
  const isNew = reasons.includes('new');
  switch (node.resource_type) {
    case 'seed':
      return isNew ? 'load seed' : 'reload seed';
    case 'snapshot':
      return isNew ? 'create snapshot table' : 'run snapshot (adds rows)';
    case 'source':
      return 'nothing to build (source); downstream models rebuild';
    case 'model':
      return modelAction(String(node.config?.materialized ?? 'view'), isNew, node);
    default:
      return 'run';
  }
}

function modelAction(materialized: string, isNew: boolean, node: ManifestNode): string {
  switch (materialized) {
    case 'table':
      return isNew ? 'create table' : 'rebuild table';
    case 'view':
      return isNew ? 'create view' : 'replace view';
    case 'ephemeral':
      return 'nothing (ephemeral: inlined into downstream models)';
    case 'incremental': {
      if (isNew) return 'create incremental table (full build)';
      const onSchemaChange = String(node.config?.on_schema_change ?? 'ignore');
      return `incremental run (new rows only; on_schema_change: ${onSchemaChange})`;
    }
    case 'materialized_view':
      return isNew ? 'create materialized view' : 'refresh or replace materialized view';
    default:
      return `${isNew ? 'create' : 'rebuild'} (${materialized})`;
  }
}
