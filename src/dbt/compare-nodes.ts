import { compareContract } from './contract-changes.js';
import { changedMacrosCalled, macroName } from './macro-changes.js';
import type { Manifest, ManifestNode } from './manifest.js';
import type { ChangeReason } from './plan-result.js';

export interface NodeComparison {
  reasons: ChangeReason[];
  /** Specific findings, one line each (Markdown with `code`). */
  details: string[];
  /** Findings that break consumers. */
  breaking: string[];
}

/** Config keys dbt compares as the relation (`state:modified.relation`), not as configs. */
const RELATION_KEYS = ['database', 'schema', 'alias'];
/** Config keys that document a node and change nothing that is built. */
const METADATA_KEYS = ['meta', 'tags', 'docs', 'group'];
/** Compared by compareContract. */
const CONTRACT_KEYS = ['contract'];

const ACCESS_RANK: Record<string, number> = { private: 0, protected: 1, public: 2 };

/**
 * Why one node present in both manifests changed, following dbt's `state:modified` checks:
 * body (file checksum), configs (unrendered, as written), relation, contract, macros, access, plus
 * descriptions and meta which dbt only counts when persisted.
 */
export function compareNodes(
  base: ManifestNode,
  head: ManifestNode,
  headManifest: Manifest,
  changedMacroIds: ReadonlySet<string>,
): NodeComparison {
  const reasons = new Set<ChangeReason>();
  const details: string[] = [];
  const breaking: string[] = [];

  if ((base.checksum?.checksum ?? '') !== (head.checksum?.checksum ?? '')) reasons.add('body');

  const before = base.unrendered_config ?? {};
  const after = head.unrendered_config ?? {};
  const configKeys = changedKeys(before, after).filter(
    (key) => !RELATION_KEYS.includes(key) && !METADATA_KEYS.includes(key) && !CONTRACT_KEYS.includes(key),
  );
  if (configKeys.length > 0) {
    reasons.add('config');
    details.push(`config changed: ${configKeys.map((k) => `\`${k}\``).join(', ')}`);
  }
  // Not relation_name: the plan renders it with the PR's schema. dbt compares the values as written.
  const relationKeys = changedKeys(before, after).filter((key) => RELATION_KEYS.includes(key));
  const sourceMoved = base.resource_type === 'source' && base.relation_name !== head.relation_name;
  if (relationKeys.length > 0 || sourceMoved) {
    reasons.add('relation');
    details.push(
      sourceMoved
        ? `relation changed: \`${base.relation_name ?? '?'}\` → \`${head.relation_name ?? '?'}\``
        : `relation changed: ${relationKeys.map((k) => `\`${k}\` \`${String(before[k] ?? 'default')}\` → \`${String(after[k] ?? 'default')}\``).join(', ')}`,
    );
  }
  const metaKeys = changedKeys(base.config ?? {}, head.config ?? {}).filter((key) =>
    METADATA_KEYS.includes(key),
  );
  if (metaKeys.length > 0) reasons.add('meta');

  const contract = compareContract(base, head);
  if (contract.changed) {
    reasons.add('contract');
    details.push(...contract.breaking, ...contract.compatible);
    breaking.push(...contract.breaking);
  }

  const macros = changedMacrosCalled(head, headManifest, changedMacroIds);
  if (macros.length > 0) {
    reasons.add('macros');
    details.push(
      `calls changed macro${macros.length > 1 ? 's' : ''} ${macros.map((m) => `\`${macroName(m)}\``).join(', ')}`,
    );
  } else if (!reasons.has('body') && !sameList(base.depends_on?.macros, head.depends_on?.macros)) {
    reasons.add('macros');
    details.push('calls a different set of macros');
  }

  const access = compareAccess(base, head);
  if (access.changed) {
    reasons.add('access');
    details.push(...access.lines);
    breaking.push(...access.breaking);
  }

  if (descriptionsDiffer(base, head)) reasons.add('description');
  return { reasons: [...reasons], details, breaking };
}

function compareAccess(base: ManifestNode, head: ManifestNode) {
  const lines: string[] = [];
  const breaking: string[] = [];
  if ((base.access ?? '') !== (head.access ?? '')) {
    const line = `access \`${base.access ?? 'protected'}\` → \`${head.access ?? 'protected'}\``;
    lines.push(line);
    const narrowed =
      (ACCESS_RANK[head.access ?? 'protected'] ?? 1) < (ACCESS_RANK[base.access ?? 'protected'] ?? 1);
    if (narrowed) breaking.push(`${line}: models that ref it from outside may no longer resolve`);
  }
  if (String(base.latest_version ?? '') !== String(head.latest_version ?? '')) {
    lines.push(`latest version \`${base.latest_version ?? 'none'}\` → \`${head.latest_version ?? 'none'}\``);
  }
  if ((base.deprecation_date ?? '') !== (head.deprecation_date ?? '')) {
    lines.push(
      `deprecation date \`${base.deprecation_date ?? 'none'}\` → \`${head.deprecation_date ?? 'none'}\``,
    );
  }
  return { changed: lines.length > 0, lines, breaking };
}

function descriptionsDiffer(base: ManifestNode, head: ManifestNode): boolean {
  if ((base.description ?? '') !== (head.description ?? '')) return true;
  // Undescribed columns count as no description, so adding a bare column is not a docs change.
  const describe = (node: ManifestNode) =>
    JSON.stringify(
      Object.entries(node.columns ?? {})
        .filter(([, col]) => col.description)
        .map(([key, col]) => [key, col.description])
        .sort(),
    );
  return describe(base) !== describe(head);
}

/** Keys whose values differ (deep, by JSON) between two config objects. */
function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => stableJson(a[key]) !== stableJson(b[key])).sort();
}

function sameList(a: readonly string[] | null | undefined, b: readonly string[] | null | undefined): boolean {
  return stableJson([...(a ?? [])].sort()) === stableJson([...(b ?? [])].sort());
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` compare equal. */
export function stableJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, v: unknown) =>
      v && typeof v === 'object' && !Array.isArray(v)
        ? Object.fromEntries(
            Object.entries(v as Record<string, unknown>).sort(([x], [y]) => (x < y ? -1 : 1)),
          )
        : v,
    ) ?? 'undefined'
  );
}
