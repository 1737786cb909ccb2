import type { Manifest, ManifestExposure, ManifestMacro, ManifestNode } from '../../../src/dbt/manifest.js';

/** A hand-made manifest node: a view model of package `p` unless overridden. */
export function node(name: string, over: Partial<ManifestNode> = {}): ManifestNode {
  const type = over.resource_type ?? 'model';
  return {
    unique_id: `${type}.p.${name}`,
    name,
    resource_type: type,
    package_name: 'p',
    original_file_path: `models/${name}.sql`,
    checksum: { checksum: `sum-${name}` },
    config: { materialized: 'view' },
    unrendered_config: {},
    description: '',
    columns: {},
    depends_on: { macros: [], nodes: [] },
    contract: { enforced: false, checksum: null },
    relation_name: `"db"."main"."${name}"`,
    raw_code: `select 1 as ${name}`,
    ...over,
  };
}

/** A model with an enforced contract on `columns` (name → data type), materialized as a table. */
export function contracted(name: string, columns: Record<string, string>, over: Partial<ManifestNode> = {}) {
  return node(name, {
    config: { materialized: 'table', contract: { enforced: true } },
    unrendered_config: { materialized: 'table', contract: { enforced: true } },
    contract: { enforced: true, checksum: JSON.stringify(columns) },
    columns: Object.fromEntries(
      Object.entries(columns).map(([col, type]) => [col, { name: col, data_type: type, constraints: [] }]),
    ),
    ...over,
  });
}

export function dependsOn(...ids: string[]): Pick<ManifestNode, 'depends_on'> {
  return { depends_on: { macros: [], nodes: ids } };
}

export function exposure(name: string, ...ids: string[]): ManifestExposure {
  return {
    unique_id: `exposure.p.${name}`,
    name,
    label: name,
    type: 'dashboard',
    depends_on: { nodes: ids },
  };
}

export function macro(name: string, sql: string, pkg = 'p', calls: string[] = []): ManifestMacro {
  return {
    unique_id: `macro.${pkg}.${name}`,
    package_name: pkg,
    macro_sql: sql,
    depends_on: { macros: calls },
  };
}

/** A manifest of these nodes, with child_map and parent_map computed from depends_on as dbt does. */
export function manifest(
  nodes: ManifestNode[],
  extra: { exposures?: ManifestExposure[]; macros?: ManifestMacro[] } = {},
): Manifest {
  const childMap: Record<string, string[]> = {};
  const parentMap: Record<string, string[]> = {};
  const all = [...nodes, ...(extra.exposures ?? [])];
  for (const n of all) {
    childMap[n.unique_id] ??= [];
    parentMap[n.unique_id] = [...(n.depends_on?.nodes ?? [])];
  }
  for (const n of all) {
    for (const parent of n.depends_on?.nodes ?? [])
      childMap[parent] = [...(childMap[parent] ?? []), n.unique_id];
  }
  return {
    metadata: { dbt_version: '1.11.16', adapter_type: 'duckdb', project_name: 'p' },
    nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])),
    sources: {},
    exposures: Object.fromEntries((extra.exposures ?? []).map((e) => [e.unique_id, e])),
    macros: Object.fromEntries((extra.macros ?? []).map((m) => [m.unique_id, m])),
    unit_tests: {},
    child_map: childMap,
    parent_map: parentMap,
  };
}
