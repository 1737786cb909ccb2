import { unifiedDiff } from './line-diff.js';
import type { Manifest } from './manifest.js';
import type { SqlDiff } from './plan-result.js';

export interface SqlDiffInput {
  base: Manifest | undefined;
  head: Manifest;
  /** Compiled SQL of the plan, by unique id (from target/compiled). */
  compiled: ReadonlyMap<string, string>;
  /** The nodes to diff, in display order. */
  ids: readonly string[];
  names: ReadonlyMap<string, string>;
}

/**
 * The compiled SQL of each changed model against production's. The plan compiled into the PR's
 * schema, so every relation name of the PR's manifest is first mapped back to production's name for
 * the same node; only real SQL changes remain. Production's side is its compiled code when its
 * manifest has it (a manifest written by `dbt run`/`build`); otherwise both sides are the raw code.
 */
export function compiledSqlDiffs(input: SqlDiffInput): SqlDiff[] {
  const renames = relationRenames(input.base, input.head);
  const diffs: SqlDiff[] = [];
  for (const id of input.ids) {
    const compiled = input.compiled.get(id);
    const old = input.base?.nodes[id];
    const baseFrom = !old ? 'none' : old.compiled_code ? 'compiled' : 'raw';
    // Without production's compiled code, compare like with like: the source of both sides.
    const before = baseFrom === 'compiled' ? (old?.compiled_code ?? '') : (old?.raw_code ?? '');
    const after =
      baseFrom === 'raw'
        ? input.head.nodes[id]?.raw_code
        : compiled === undefined
          ? undefined
          : applyRenames(compiled, renames);
    if (after == null) continue;
    const diff = unifiedDiff(before, after);
    if (diff === '') continue;
    diffs.push({
      uniqueId: id,
      name: input.names.get(id) ?? id,
      diff: diff ?? '(the two versions differ in more than 2,000 lines; not shown as a diff)',
      baseFrom,
    });
  }
  return diffs;
}

/** PR relation name → production relation name, for nodes whose names differ (longest first). */
export function relationRenames(base: Manifest | undefined, head: Manifest): Array<[string, string]> {
  if (!base) return [];
  const pairs: Array<[string, string]> = [];
  for (const [id, node] of Object.entries(head.nodes)) {
    const prod = base.nodes[id]?.relation_name;
    if (node.relation_name && prod && node.relation_name !== prod) pairs.push([node.relation_name, prod]);
  }
  return pairs.sort(([a], [b]) => b.length - a.length);
}

function applyRenames(sql: string, renames: ReadonlyArray<[string, string]>): string {
  let out = sql;
  for (const [from, to] of renames) if (out.includes(from)) out = out.split(from).join(to);
  return out;
}
