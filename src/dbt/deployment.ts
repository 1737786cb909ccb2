import type { Manifest, ManifestNode } from './manifest.js';

/** A relation by its parts; the adapter quotes them (api.Relation in the Sluice macros). */
export interface RelationParts {
  database?: string;
  schema: string;
  identifier: string;
}

/** One model or seed of a deployment: the public view people query, and the table it points at. */
export interface DeployedModel {
  uniqueId: string;
  name: string;
  /** The build key (src/dbt/build-keys.ts): content hash of the node, its tests and its parents. */
  key: string;
  public: RelationParts;
  physical: RelationParts;
}

/** What production is after one apply or rollback of a dbt project. */
export interface DbtDeployment {
  id: string;
  kind: 'apply' | 'rollback';
  project: { name: string; dir: string };
  /** The commit the models were built from (a rollback: the restored deployment's). */
  sha: string;
  prNumber?: number;
  requestedBy?: string;
  at: string;
  models: DeployedModel[];
  /** Keys built by this deployment (the others were reused from earlier ones). */
  built: string[];
  /** A rollback: the deployment whose tables it points the views at again. */
  restored?: string;
  /** Production's manifest (public names) and catalog after this deployment, for the next plans. */
  manifest: string;
  catalog?: string;
}

/** Production's state after a deployment: what plans compare against. */
export function productionOf(deployment: DbtDeployment): {
  manifest: string;
  catalog?: string;
  sha: string;
  storedAt: string;
} {
  return {
    manifest: deployment.manifest,
    ...(deployment.catalog !== undefined ? { catalog: deployment.catalog } : {}),
    sha: deployment.sha,
    storedAt: deployment.at,
  };
}

/** Models and seeds Sluice publishes. Ephemeral models are inlined; snapshots keep history in place and are not built by Sluice. */
export function deployable(node: ManifestNode): boolean {
  if (node.resource_type === 'seed') return true;
  return node.resource_type === 'model' && node.config?.materialized !== 'ephemeral';
}

/** The schema holding a project's physical tables: `sluice_<project>` in the target's database. */
export function physicalSchema(manifest: Manifest): string {
  const name = (manifest.metadata.project_name ?? 'project').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `sluice_${name}`;
}

/** `<alias>__<key>`: the physical name of a node's build. */
export function physicalIdentifier(node: ManifestNode, key: string): string {
  return `${node.alias ?? node.name}__${key}`;
}

export interface DeploymentPlan {
  models: DeployedModel[];
  /** Unique ids to build: their build key has no physical table yet. */
  build: string[];
  /** Public views of models the previous deployment had and this one does not. */
  drop: RelationParts[];
  /** `--vars` for the build: every deployable node named to its physical table, so `ref()` finds them. */
  vars: { sluice: { schema: string; aliases: Record<string, string> } };
}

/**
 * What an apply of `manifest` does: which nodes get built (their key has no table in the physical
 * schema), which public views point where, and which public views go. Pure.
 */
export function planDeployment(input: {
  manifest: Manifest;
  keys: ReadonlyMap<string, string>;
  /** Identifiers in the physical schema now. */
  existing: ReadonlySet<string>;
  previous?: Pick<DbtDeployment, 'models'>;
}): DeploymentPlan {
  const schema = physicalSchema(input.manifest);
  const models: DeployedModel[] = [];
  const build: string[] = [];
  const aliases: Record<string, string> = {};
  for (const node of Object.values(input.manifest.nodes).sort(byId)) {
    if (!deployable(node)) continue;
    const key = input.keys.get(node.unique_id);
    if (!key || !node.schema) continue;
    const identifier = physicalIdentifier(node, key);
    aliases[node.unique_id] = identifier;
    const database = node.database ?? undefined;
    models.push({
      uniqueId: node.unique_id,
      name: node.name,
      key,
      public: { ...(database ? { database } : {}), schema: node.schema, identifier: node.alias ?? node.name },
      physical: { ...(database ? { database } : {}), schema, identifier },
    });
    if (!input.existing.has(identifier)) build.push(node.unique_id);
  }
  return {
    models,
    build,
    drop: viewsToDrop(input.previous?.models ?? [], models),
    vars: { sluice: { schema, aliases } },
  };
}

/** Public views of `from` that `to` does not have: what a switch from one deployment to the other drops. */
export function viewsToDrop(from: readonly DeployedModel[], to: readonly DeployedModel[]): RelationParts[] {
  const kept = new Set(to.map((m) => relationId(m.public)));
  return from.map((m) => m.public).filter((r) => !kept.has(relationId(r)));
}

/**
 * Physical identifiers no kept deployment uses: the garbage a collection drops. Kept are the two
 * latest deployments (so a rollback always works) and every one younger than the retention.
 */
export function collectable(input: {
  existing: ReadonlySet<string>;
  deployments: readonly Pick<DbtDeployment, 'at' | 'models'>[];
  now: Date;
  retentionMs: number;
}): string[] {
  const newestFirst = [...input.deployments].sort((a, b) => (a.at < b.at ? 1 : -1));
  const kept = newestFirst.filter(
    (d, index) => index < 2 || input.now.getTime() - Date.parse(d.at) < input.retentionMs,
  );
  const used = new Set(kept.flatMap((d) => d.models.map((m) => m.physical.identifier)));
  return [...input.existing].filter((id) => !used.has(id)).sort();
}

function relationId(r: RelationParts): string {
  return `${r.database ?? ''}.${r.schema}.${r.identifier}`.toLowerCase();
}

function byId(a: ManifestNode, b: ManifestNode): number {
  return a.unique_id < b.unique_id ? -1 : 1;
}
