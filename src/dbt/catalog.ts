import { z } from 'zod';
import { parseArtifact } from './manifest.js';
import type { ColumnChanges } from './plan-result.js';

/** The parts of dbt's `catalog.json` (written by `dbt docs generate`) a plan reads. */
const CatalogTableSchema = z.object({
  unique_id: z.string().nullish(),
  columns: z.record(
    z.string(),
    z.object({ name: z.string(), type: z.string(), index: z.number().nullish() }),
  ),
});

export const CatalogSchema = z.object({
  nodes: z.record(z.string(), CatalogTableSchema),
  sources: z.record(z.string(), CatalogTableSchema).nullish(),
});

export type Catalog = z.infer<typeof CatalogSchema>;
export type CatalogTable = z.infer<typeof CatalogTableSchema>;

export function parseCatalog(text: string, what = 'catalog.json'): Catalog {
  return parseArtifact(CatalogSchema, text, what);
}

/**
 * Columns added, removed or retyped between production's table and the plan's, by name
 * (case-insensitive, as warehouses fold them); types compared case-insensitively.
 * Without a production table every column is added; without the plan's table nothing is known.
 */
export function diffColumns(
  base: CatalogTable | undefined,
  head: CatalogTable | undefined,
): ColumnChanges | undefined {
  if (!head) return undefined;
  const before = byName(base);
  const after = byName(head);
  const changes: ColumnChanges = { added: [], removed: [], typeChanged: [] };
  for (const [key, col] of after) {
    const old = before.get(key);
    if (!old) changes.added.push(col.name);
    else if (old.type.toLowerCase() !== col.type.toLowerCase()) {
      changes.typeChanged.push({ name: col.name, from: old.type, to: col.type });
    }
  }
  for (const [key, col] of before) if (!after.has(key)) changes.removed.push(col.name);
  return changes;
}

export function hasColumnChanges(changes: ColumnChanges | undefined): boolean {
  return !!changes && changes.added.length + changes.removed.length + changes.typeChanged.length > 0;
}

function byName(table: CatalogTable | undefined) {
  const columns = Object.values(table?.columns ?? {}).sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return new Map(columns.map((col) => [col.name.toLowerCase(), col]));
}
