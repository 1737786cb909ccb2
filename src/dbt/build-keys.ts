import { createHash } from 'node:crypto';
import { stableJson } from './compare-nodes.js';
import { type Manifest, type ManifestNode, resources } from './manifest.js';

/** Hex characters of a build key: 12 (48 bits) keeps physical names short and collisions unlikely. */
const KEY_LENGTH = 12;

/** Configs that change nothing about the data a node builds: documentation and naming of the public relation. */
const NON_DATA_CONFIGS = new Set([
  'meta',
  'tags',
  'docs',
  'group',
  'alias',
  'schema',
  'database',
  'persist_docs',
]);

/**
 * A content hash per node: its own code (checksum), the configs that change what it builds, its
 * contract, the macros it calls (through other macros too), the tests that audit it, and the keys of
 * its parents. Equal keys mean an equal table that passed the same audits, so a node whose key has a
 * physical table already needs no build, and a revert lands on the tables the reverted deployment
 * left. A new or changed test changes its models' keys: they are rebuilt and audited by it before
 * anything is published. Pure.
 */
export function buildKeys(manifest: Manifest): Map<string, string> {
  const all = resources(manifest);
  const macroHashes = new Map<string, string>();
  const keys = new Map<string, string>();

  const macroHash = (id: string, seen: Set<string>): string => {
    const known = macroHashes.get(id);
    if (known !== undefined) return known;
    if (seen.has(id)) return '';
    seen.add(id);
    const macro = manifest.macros?.[id];
    const called = [...(macro?.depends_on?.macros ?? [])].sort().map((m) => macroHash(m, seen));
    const hash = sha256(stableJson({ sql: macro?.macro_sql ?? null, called }));
    macroHashes.set(id, hash);
    return hash;
  };

  const tests = testsByNode(manifest, (id) => macroHash(id, new Set()));

  const keyOf = (id: string, path: Set<string>): string => {
    const known = keys.get(id);
    if (known !== undefined) return known;
    const node = all.get(id);
    if (!node || path.has(id)) return sha256(`missing:${id}`).slice(0, KEY_LENGTH);
    path.add(id);
    const parents = [...(node.depends_on?.nodes ?? [])].sort().map((p) => [p, keyOf(p, path)]);
    path.delete(id);
    const macros = [...(node.depends_on?.macros ?? [])].sort().map((m) => macroHash(m, new Set()));
    const material = { ...keyMaterial(node, parents, macros), tests: tests.get(id) ?? [] };
    const key = sha256(stableJson(material)).slice(0, KEY_LENGTH);
    keys.set(id, key);
    return key;
  };

  for (const id of all.keys()) keyOf(id, new Set());
  return keys;
}

/** Hashes of the data and unit tests that read each node (a singular test counts for all its parents). */
function testsByNode(manifest: Manifest, macroHash: (id: string) => string): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  const tests = [
    ...Object.values(manifest.nodes)
      .filter((n) => n.resource_type === 'test')
      .map((t) => ({
        id: t.unique_id,
        depends_on: t.depends_on,
        content: [t.checksum?.checksum, t.raw_code, t.test_metadata, dataConfig(t.config)],
      })),
    ...Object.values(manifest.unit_tests ?? {}).map((t) => ({
      id: t.unique_id,
      depends_on: t.depends_on,
      content: [t.model, t.given, t.expect],
    })),
  ];
  for (const test of tests) {
    const macros = [...(test.depends_on?.macros ?? [])].sort().map(macroHash);
    const hash = sha256(stableJson({ id: test.id, content: test.content, macros }));
    for (const parent of test.depends_on?.nodes ?? []) {
      byNode.set(parent, [...(byNode.get(parent) ?? []), hash]);
    }
  }
  for (const hashes of byNode.values()) hashes.sort();
  return byNode;
}

function keyMaterial(node: ManifestNode, parents: string[][], macros: string[]) {
  const contractColumns = node.contract?.enforced
    ? Object.values(node.columns ?? {}).map((c) => [c.name, c.data_type ?? null, c.constraints ?? []])
    : [];
  return {
    type: node.resource_type,
    // A source has no code: what it points at is its identity.
    code: node.checksum?.checksum ?? node.relation_name ?? node.unique_id,
    config: dataConfig(node.config),
    contractColumns,
    macros,
    parents,
  };
}

function dataConfig(config: ManifestNode['config']): Record<string, unknown> {
  return Object.fromEntries(Object.entries(config ?? {}).filter(([name]) => !NON_DATA_CONFIGS.has(name)));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
