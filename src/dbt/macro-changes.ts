import type { Manifest, ManifestNode } from './manifest.js';

/**
 * Macros whose SQL differs between the manifests, or that exist in only one. dbt's own macros and the
 * adapter's (`dbt`, `dbt_<adapter>`) are left out: they change with the dbt version, not with the PR.
 */
export function changedMacros(base: Manifest, head: Manifest): Set<string> {
  const internal = internalPackages(head);
  const baseMacros = base.macros ?? {};
  const headMacros = head.macros ?? {};
  const changed = new Set<string>();
  for (const id of new Set([...Object.keys(baseMacros), ...Object.keys(headMacros)])) {
    const before = baseMacros[id];
    const after = headMacros[id];
    const pkg = (after ?? before)?.package_name ?? '';
    if (internal.has(pkg)) continue;
    if ((before?.macro_sql ?? undefined) !== (after?.macro_sql ?? undefined)) changed.add(id);
  }
  return changed;
}

function internalPackages(manifest: Manifest): Set<string> {
  const adapter = manifest.metadata.adapter_type;
  return new Set(['dbt', ...(adapter ? [`dbt_${adapter}`] : [])]);
}

/** The changed macros a node calls, directly or through other macros (head manifest), sorted. */
export function changedMacrosCalled(
  node: ManifestNode,
  head: Manifest,
  changed: ReadonlySet<string>,
): string[] {
  if (changed.size === 0) return [];
  const seen = new Set<string>();
  const hits = new Set<string>();
  const queue = [...(node.depends_on?.macros ?? [])];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    if (seen.has(id)) continue;
    seen.add(id);
    if (changed.has(id)) hits.add(id);
    queue.push(...(head.macros?.[id]?.depends_on?.macros ?? []));
  }
  return [...hits].sort();
}

/** `macro.shop.cents_to_dollars` → `cents_to_dollars`. */
export function macroName(id: string): string {
  return id.split('.').slice(2).join('.') || id;
}
