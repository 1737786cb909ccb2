import { dbtErrorMessage } from '../../dbt/dbt-output.js';
import type { StepResult } from '../types.js';

export type RowCounts = { ok: true; counts: Map<string, number> } | { ok: false; message: string };

/**
 * Counts the rows of relations with one `dbt show --inline` query (a union of `count(*)`), read back
 * from dbt's JSON output. `relations` maps an id (a node's unique id) to the relation as dbt quotes it.
 * Only counts leave the warehouse, never rows.
 */
export async function countRows(
  run: (name: string, args: string[]) => Promise<StepResult>,
  name: string,
  relations: ReadonlyMap<string, string>,
): Promise<RowCounts> {
  if (relations.size === 0) return { ok: true, counts: new Map() };
  const sql = [...relations]
    .map(([id, relation]) => `select '${id.replace(/'/g, "''")}' as id, count(*) as n from ${relation}`)
    .join('\nunion all\n');
  const step = await run(name, [
    'show',
    '--inline',
    sql,
    '--limit',
    String(relations.size + 1),
    '--output',
    'json',
  ]);
  const output = [step.stdout, step.stderr].filter((t) => t.trim()).join('\n');
  if (step.exitCode !== 0) {
    return {
      ok: false,
      message: (dbtErrorMessage(output, 4) ?? `dbt show exited with code ${step.exitCode}`)
        .split('\n')
        .join(' '),
    };
  }
  const counts = parseShow(step.stdout);
  return counts ? { ok: true, counts } : { ok: false, message: 'dbt show printed no readable JSON' };
}

/** `{"show": [{"id": …, "n": …}]}` from dbt's stdout, which has log lines before it. */
export function parseShow(stdout: string): Map<string, number> | undefined {
  const start = stdout.search(/^\{\s*$/m);
  if (start === -1) return undefined;
  const end = stdout.indexOf('\n}', start);
  try {
    const json = JSON.parse(stdout.slice(start, end === -1 ? undefined : end + 2)) as {
      show?: Array<{ id?: unknown; n?: unknown }>;
    };
    const counts = new Map<string, number>();
    for (const row of json.show ?? []) {
      if (typeof row.id === 'string' && typeof row.n === 'number') counts.set(row.id, row.n);
    }
    return counts;
  } catch {
    return undefined;
  }
}
