import { applyAction } from './apply-action.js';
import { compareNodes, stableJson } from './compare-nodes.js';
import { BUILT_TYPES, downstreamOf, edgesAmong, resourceTypeOf } from './lineage.js';
import { changedMacros } from './macro-changes.js';
import { type Manifest, type ManifestNode, resources } from './manifest.js';
import type { ChangeCategory, ChangeReason, ExposureImpact, NodeChange } from './plan-result.js';

export interface TestChanges {
  added: string[];
  removed: string[];
  changed: string[];
}

export interface ManifestDiff {
  /** Directly changed models, seeds, snapshots and sources, most severe first. */
  changes: NodeChange[];
  /** Unchanged nodes downstream of a change (category `indirect`). */
  downstream: NodeChange[];
  exposures: ExposureImpact[];
  /** One message per breaking finding, naming the node. */
  breaking: string[];
  /** Data and unit tests added, removed or changed, by name. */
  tests: TestChanges;
  /** Parent → child among the nodes above. */
  edges: Array<[string, string]>;
}

const CATEGORY_ORDER: Record<ChangeCategory, number> = {
  breaking: 0,
  'non-breaking': 1,
  'metadata-only': 2,
  indirect: 3,
};

/**
 * Compares the PR's manifest with production's. Without a production manifest (bootstrap) every
 * node is new. Removed nodes are those production has and the PR does not (deleted or disabled).
 */
export function diffManifests(base: Manifest | undefined, head: Manifest): ManifestDiff {
  const headNodes = resources(head);
  const baseNodes = base ? resources(base) : new Map<string, ManifestNode>();
  const macroIds = base ? changedMacros(base, head) : new Set<string>();
  const changes: NodeChange[] = [];
  const breaking: string[] = [];

  for (const [id, node] of headNodes) {
    if (!BUILT_TYPES.has(node.resource_type)) continue;
    const old = baseNodes.get(id);
    if (!old) {
      changes.push(change(node, ['new'], 'non-breaking', base ? [] : ['no production manifest yet']));
      continue;
    }
    const found = compareNodes(old, node, head, macroIds);
    if (found.reasons.length === 0) continue;
    const category = categoryOf(found.reasons, found.breaking);
    changes.push(change(node, found.reasons, category, found.details));
    breaking.push(...found.breaking.map((line) => `\`${label(node)}\`: ${line}`));
  }

  for (const [id, old] of baseNodes) {
    if (!BUILT_TYPES.has(old.resource_type) || headNodes.has(id)) continue;
    const users = (base?.child_map?.[id] ?? []).filter(
      (child) =>
        (BUILT_TYPES.has(resourceTypeOf(child)) && headNodes.has(child)) || child.startsWith('exposure.'),
    );
    const why = removalBreaks(old, users);
    const details = why ? [why] : [];
    changes.push(change(old, ['removed'], why ? 'breaking' : 'non-breaking', details));
    if (why) breaking.push(`\`${label(old)}\`: removed, but ${why}`);
  }

  changes.sort(byCategoryThenName);
  const changedIds = new Set(changes.map((c) => c.uniqueId));
  const propagating = changes.filter((c) => c.category === 'breaking' || c.category === 'non-breaking');
  const fromHead = downstreamOf(
    head.child_map ?? {},
    propagating.filter((c) => !c.reasons.includes('removed')).map((c) => c.uniqueId),
  );
  const fromRemoved = downstreamOf(
    base?.child_map ?? {},
    propagating.filter((c) => c.reasons.includes('removed')).map((c) => c.uniqueId),
    (id) => headNodes.has(id) || head.exposures?.[id] !== undefined,
  );
  for (const [id, origins] of fromRemoved) {
    const into = fromHead.get(id) ?? new Set<string>();
    for (const origin of origins) into.add(origin);
    fromHead.set(id, into);
  }

  const downstream: NodeChange[] = [];
  const exposures: ExposureImpact[] = [];
  for (const [id, origins] of fromHead) {
    if (changedIds.has(id)) continue;
    const upstream = [...origins].sort();
    const exposure = head.exposures?.[id];
    if (exposure) {
      exposures.push({
        uniqueId: id,
        name: exposure.name,
        ...(exposure.label ? { label: exposure.label } : {}),
        ...(exposure.type ? { type: exposure.type } : {}),
        dependsOnChanges: upstream,
      });
      continue;
    }
    const node = headNodes.get(id);
    if (!node || !BUILT_TYPES.has(node.resource_type)) continue;
    downstream.push({ ...change(node, [], 'indirect', []), upstreamChanges: upstream });
  }
  downstream.sort(byCategoryThenName);
  exposures.sort((a, b) => compare(a.name, b.name));

  const shown = new Set([
    ...changedIds,
    ...downstream.map((d) => d.uniqueId),
    ...exposures.map((e) => e.uniqueId),
  ]);
  return {
    changes,
    downstream,
    exposures,
    breaking,
    tests: diffTests(base, head),
    edges: edgesAmong(shown, [head.child_map, base?.child_map]),
  };
}

function categoryOf(reasons: readonly ChangeReason[], breaking: readonly string[]): ChangeCategory {
  if (breaking.length > 0) return 'breaking';
  if (reasons.every((r) => r === 'description' || r === 'meta')) return 'metadata-only';
  return 'non-breaking';
}

/** Why removing this node breaks someone, or undefined when nobody can notice. */
function removalBreaks(node: ManifestNode, users: readonly string[]): string | undefined {
  if (users.length > 0) {
    const names = users.map((id) => `\`${id.split('.').slice(2).join('.')}\``);
    return `${names.join(', ')} still depend${users.length === 1 ? 's' : ''} on it`;
  }
  if (node.contract?.enforced) return 'it had an enforced contract that consumers may rely on';
  if (node.access === 'public') return 'it was `public`: other projects may ref it';
  return undefined;
}

function change(
  node: ManifestNode,
  reasons: ChangeReason[],
  category: ChangeCategory,
  details: string[],
): NodeChange {
  return {
    uniqueId: node.unique_id,
    name: label(node),
    resourceType: node.resource_type,
    reasons,
    category,
    details,
    applyAction:
      category === 'indirect'
        ? applyAction(node, ['body'], 'non-breaking')
        : applyAction(node, reasons, category),
  };
}

function diffTests(base: Manifest | undefined, head: Manifest): TestChanges {
  const tests = (manifest: Manifest | undefined) => {
    const out = new Map<string, { name: string; fingerprint: string }>();
    if (!manifest) return out;
    for (const [id, node] of Object.entries(manifest.nodes)) {
      if (node.resource_type !== 'test') continue;
      out.set(id, {
        name: node.name,
        fingerprint: stableJson([node.checksum, node.raw_code, node.test_metadata, node.unrendered_config]),
      });
    }
    for (const [id, test] of Object.entries(manifest.unit_tests ?? {})) {
      out.set(id, {
        name: `${test.model ?? ''}::${test.name}`,
        fingerprint: stableJson([test.given, test.expect]),
      });
    }
    return out;
  };
  const before = tests(base);
  const after = tests(head);
  const result: TestChanges = { added: [], removed: [], changed: [] };
  if (!base) return result;
  for (const [id, test] of after) {
    const old = before.get(id);
    if (!old) result.added.push(test.name);
    else if (old.fingerprint !== test.fingerprint) result.changed.push(test.name);
  }
  for (const [id, test] of before) if (!after.has(id)) result.removed.push(test.name);
  for (const list of Object.values(result)) list.sort();
  return result;
}

/** A node's name as people say it: `customer_orders`, `customer_orders v2`, `raw.orders` for sources. */
export function label(node: ManifestNode): string {
  if (node.resource_type === 'source') return node.unique_id.split('.').slice(2).join('.');
  return node.version != null ? `${node.name} v${node.version}` : node.name;
}

function byCategoryThenName(a: NodeChange, b: NodeChange): number {
  return (
    CATEGORY_ORDER[a.category] - CATEGORY_ORDER[b.category] ||
    compare(a.name, b.name) ||
    compare(a.uniqueId, b.uniqueId)
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
