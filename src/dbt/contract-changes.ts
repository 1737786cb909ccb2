import type { ManifestColumn, ManifestNode } from './manifest.js';

export interface ContractChange {
  /** Anything at all changed in the contract. */
  changed: boolean;
  /** What breaks consumers, one line each (Markdown with `code`). */
  breaking: string[];
  /** Compatible changes, one line each. */
  compatible: string[];
}

const CONSTRAINED_MATERIALIZATIONS = new Set(['table', 'incremental']);

/**
 * Compares a model's contract the way dbt's `same_contract` does (dbt-core 1.11), except that every
 * breaking change is reported as breaking, versioned model or not: removing enforcement, removing a
 * column, changing a column's base type (`varchar(3)` → `varchar(10)` is compatible), or dropping a
 * column constraint of a table/incremental model.
 */
export function compareContract(base: ManifestNode, head: ManifestNode): ContractChange {
  const wasEnforced = base.contract?.enforced === true;
  const isEnforced = head.contract?.enforced === true;
  const none: ContractChange = { changed: false, breaking: [], compatible: [] };
  if (!wasEnforced && !isEnforced) return none;
  if (!wasEnforced && isEnforced) {
    return { changed: true, breaking: [], compatible: ['contract is now enforced'] };
  }
  if (isEnforced && base.contract?.checksum && base.contract.checksum === head.contract?.checksum)
    return none;
  const breaking: string[] = [];
  const compatible: string[] = [];
  if (!isEnforced) breaking.push('contract is no longer enforced');
  const before = base.columns ?? {};
  const after = head.columns ?? {};
  const enforcesConstraints = CONSTRAINED_MATERIALIZATIONS.has(String(base.config?.materialized ?? ''));
  for (const [key, old] of sortedEntries(before)) {
    const now = after[key];
    if (!now) {
      breaking.push(`column \`${old.name}\` removed from the enforced contract`);
      continue;
    }
    if ((old.data_type ?? '') !== (now.data_type ?? '')) {
      const line = `column \`${old.name}\` type \`${old.data_type ?? '?'}\` → \`${now.data_type ?? '?'}\``;
      if (baseType(old.data_type) !== baseType(now.data_type)) breaking.push(line);
      else compatible.push(`${line} (size or precision only)`);
    }
    for (const type of difference(constraintTypes(old), constraintTypes(now))) {
      const line = `constraint \`${type}\` removed from column \`${old.name}\``;
      if (enforcesConstraints) breaking.push(line);
      else compatible.push(line);
    }
    for (const type of difference(constraintTypes(now), constraintTypes(old))) {
      compatible.push(`constraint \`${type}\` added to column \`${old.name}\``);
    }
  }
  if (isEnforced) {
    for (const [key, col] of sortedEntries(after)) {
      if (!(key in before)) compatible.push(`column \`${col.name}\` added to the contract`);
    }
  }
  return { changed: breaking.length > 0 || compatible.length > 0, breaking, compatible };
}

/** `decimal(38, 2)` → `decimal`, case-insensitive, as dbt compares contract types. */
function baseType(dataType: string | null | undefined): string {
  return (dataType ?? '').split('(')[0]?.trim().toLowerCase() ?? '';
}

function constraintTypes(column: ManifestColumn): string[] {
  return (column.constraints ?? []).map((c) =>
    c && typeof c === 'object' && 'type' in c ? String((c as { type: unknown }).type) : JSON.stringify(c),
  );
}

function difference(a: readonly string[], b: readonly string[]): string[] {
  const other = new Set(b);
  return a.filter((x) => !other.has(x));
}

function sortedEntries<T>(record: Record<string, T>): Array<[string, T]> {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
