import type { Manifest } from './manifest.js';

/** Resource types a lineage shows as nodes of their own; tests are counted, not drawn. */
export const BUILT_TYPES = new Set(['model', 'seed', 'snapshot', 'source']);

export function resourceTypeOf(uniqueId: string): string {
  return uniqueId.split('.')[0] ?? '';
}

/**
 * Everything downstream of `start` through `child_map`, each with the start nodes that reach it.
 * `exists` filters nodes out (e.g. children a removal left behind that are gone at head too).
 */
export function downstreamOf(
  childMap: Readonly<Record<string, readonly string[]>>,
  start: readonly string[],
  exists: (id: string) => boolean = () => true,
): Map<string, Set<string>> {
  const reached = new Map<string, Set<string>>();
  for (const origin of start) {
    const seen = new Set<string>([origin]);
    const queue = [...(childMap[origin] ?? [])];
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      if (seen.has(id) || !exists(id)) continue;
      seen.add(id);
      const from = reached.get(id) ?? new Set<string>();
      from.add(origin);
      reached.set(id, from);
      queue.push(...(childMap[id] ?? []));
    }
  }
  return reached;
}

/** Parent → child edges among `ids`, from one or more child maps, deduplicated and sorted. */
export function edgesAmong(
  ids: ReadonlySet<string>,
  childMaps: ReadonlyArray<Manifest['child_map']>,
): Array<[string, string]> {
  const edges = new Set<string>();
  const out: Array<[string, string]> = [];
  for (const map of childMaps) {
    for (const parent of ids) {
      for (const child of map?.[parent] ?? []) {
        const key = `${parent}\u0000${child}`;
        if (!ids.has(child) || edges.has(key)) continue;
        edges.add(key);
        out.push([parent, child]);
      }
    }
  }
  return out.sort(([a, b], [c, d]) => (a === c ? (b < d ? -1 : 1) : a < c ? -1 : 1));
}
