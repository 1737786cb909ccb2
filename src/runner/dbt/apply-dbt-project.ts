import { join } from 'node:path';
import { buildKeys } from '../../dbt/build-keys.js';
import { dbtErrorMessage, dbtExit } from '../../dbt/dbt-output.js';
import {
  collectable,
  type DbtDeployment,
  type DeployedModel,
  type DeploymentPlan,
  physicalSchema,
  planDeployment,
  viewsToDrop,
} from '../../dbt/deployment.js';
import { ArtifactError, type Manifest, parseManifest } from '../../dbt/manifest.js';
import type { NodeFailure } from '../../dbt/plan-result.js';
import type { StepResult } from '../types.js';
import { readArtifact, readBuildOutcome } from './dbt-artifacts.js';
import {
  type DbtSession,
  type DbtSessionOptions,
  openDbtSession,
  withoutSluiceMacros,
} from './dbt-session.js';

/** What a deployment is before the job names and dates it. */
export type NewDeployment = Omit<
  DbtDeployment,
  'id' | 'kind' | 'project' | 'sha' | 'at' | 'prNumber' | 'requestedBy'
>;

export interface DbtApplyOutcome {
  /**
   * `applied`: built, audited and published. `failed`: a build, test or audit failed: nothing was
   * published. `error`: dbt could not run (or publishing failed): nothing was published.
   */
  status: 'applied' | 'failed' | 'error' | 'cancelled';
  /** One paragraph for the PR. */
  message: string;
  /** Details for the fold: what was built, reused, published, dropped; or dbt's output. */
  output: string;
  deployment?: NewDeployment;
  failures: NodeFailure[];
  /** Physical tables collected after the publish. */
  collected: string[];
  steps: StepResult[];
}

export interface ApplyDbtOptions extends DbtSessionOptions {
  /** Production now (the latest deployment), for the views a removed model leaves. */
  current?: DbtDeployment;
  /** Every deployment still recorded, newest first: what garbage collection keeps. */
  deployments: readonly DbtDeployment[];
  retentionMs: number;
  now: () => Date;
}

/**
 * Write-Audit-Publish of one dbt project at the checkout's commit: parse; give every model and seed a
 * build key; build (with `dbt build`, so tests, unit tests and contracts run) only the nodes whose
 * keyed table is not in the physical schema yet; and only when all of that passed, point every
 * public view at its table in one transaction. Then drop physical tables no kept deployment uses.
 */
export async function applyDbtProject(options: ApplyDbtOptions): Promise<DbtApplyOutcome> {
  const opened = await openDbtSession(options);
  if (!opened.ok) return stop('error', `Not published: ${opened.message}`, '', []);
  const { session } = opened;
  const done = (
    status: DbtApplyOutcome['status'],
    message: string,
    output = '',
    extra?: Partial<DbtApplyOutcome>,
  ) => ({ ...stop(status, message, output, session.steps), ...extra });
  const failedStep = (s: StepResult, what: string) => {
    if (s.cancelled) return done('cancelled', 'Cancelled: nothing was published.');
    const output = [s.stdout, s.stderr].filter((t) => t.trim()).join('\n');
    const why = s.timedOut
      ? `\`dbt ${s.name}\` ran longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped.`
      : (dbtErrorMessage(output, 8) ?? `\`dbt ${s.name}\` exited with code ${s.exitCode}.`);
    return done('error', `Not published: ${what}: ${why} The public views are unchanged.`, output);
  };

  if (await session.hasPackages()) {
    const deps = await session.run('deps', ['deps']);
    if (deps.exitCode !== 0) return failedStep(deps, 'dbt deps failed');
  }
  const installed = await session.installMacros();
  if (!installed.ok) return done('error', `Not published: ${installed.message}`);
  const target = { artifactDir: options.artifactDir, targetDir: session.targetDir };
  const parse = await session.run('parse', ['parse']);
  if (parse.exitCode !== 0) return failedStep(parse, 'dbt could not parse the project');
  const parsed = await readArtifact(target, 'manifest.json');
  let manifest: Manifest;
  // Production's manifest with the public names (no `--vars`): what the next plans compare against.
  let manifestText: string;
  try {
    if (parsed === undefined) throw new ArtifactError('dbt parse wrote no readable manifest.json');
    manifest = parseManifest(parsed);
    manifestText = withoutSluiceMacros(parsed);
  } catch (error) {
    if (error instanceof ArtifactError) return done('error', `Not published: ${error.message}`);
    throw error;
  }

  const database = firstDatabase(manifest);
  const schema = physicalSchema(manifest);
  const listed = await session.operation('sluice_list_relations', { database, schema });
  if (!listed.ok) return failedStep(listed.step, 'Sluice could not list the physical tables');
  const existing = new Set(stringList(listed.value));
  const plan = planDeployment({ manifest, keys: buildKeys(manifest), existing, previous: options.current });

  // Write and audit: `dbt build` of the new keys only; each model's tests run right after it.
  if (plan.build.length > 0) {
    const buildTarget = {
      artifactDir: options.artifactDir,
      targetDir: join(options.artifactDir, 'target-build'),
    };
    const build = await session.run(
      'build',
      ['build', '--select', ...selectors(manifest, plan.build), '--vars', JSON.stringify(plan.vars)],
      buildTarget.targetDir,
    );
    if (build.cancelled || build.timedOut || dbtExit(build.exitCode) === 'could-not-run') {
      return failedStep(build, 'dbt could not build the changed models');
    }
    const notes: string[] = [];
    const outcome = await readBuildOutcome(buildTarget, manifest, notes);
    const failures = (outcome?.failures ?? []).filter((f) => f.status === 'error' || f.status === 'fail');
    if (build.exitCode !== 0 || failures.length > 0) {
      return done(
        'failed',
        `Not published: ${failureSummary(failures)} The public views still point at the previous deployment's tables; fix the cause in a new pull request.`,
        [...failures.map(failureLine), ...notes].join('\n') || dbtErrorMessage(build.stdout) || '',
        { failures },
      );
    }
  }

  // Publish: every public view to its table, removed models' views dropped, in one transaction.
  const published = await session.operation('sluice_publish', {
    views: plan.models.map((m) => ({ public: m.public, physical: m.physical })),
    drops: plan.drop,
  });
  if (!published.ok) return failedStep(published.step, 'switching the public views failed');

  const catalog = await productionCatalog(session, options.artifactDir);
  const deployment: NewDeployment = {
    models: plan.models,
    built: plan.models.filter((m) => plan.build.includes(m.uniqueId)).map((m) => m.key),
    manifest: options.masker.mask(manifestText),
    ...(catalog !== undefined ? { catalog: options.masker.mask(catalog) } : {}),
  };
  const collected = await collect(session, options, {
    database,
    schema,
    existing: new Set([...existing, ...plan.models.map((m) => m.physical.identifier)]),
    models: plan.models,
  });
  return done(
    'applied',
    appliedMessage(plan, collected),
    deploymentLines(plan.models, plan.build, plan.drop),
    {
      deployment,
      collected,
    },
  );
}

export interface RollbackDbtOptions extends DbtSessionOptions {
  /** Production now. */
  current: DbtDeployment;
  /** The deployment to go back to; the checkout is its commit. */
  restore: DbtDeployment;
}

/**
 * Points the public views at the tables of an earlier deployment, without building anything: the
 * tables are checked to exist first, and a rollback whose tables were collected is refused.
 */
export async function rollbackDbtProject(options: RollbackDbtOptions): Promise<DbtApplyOutcome> {
  const opened = await openDbtSession(options);
  if (!opened.ok) return stop('error', `Not rolled back: ${opened.message}`, '', []);
  const { session } = opened;
  const done = (status: DbtApplyOutcome['status'], message: string, output = '') =>
    stop(status, message, output, session.steps);
  const installed = await session.installMacros();
  if (!installed.ok) return done('error', `Not rolled back: ${installed.message}`);
  const [first] = options.restore.models;
  if (!first) return done('error', 'Not rolled back: the earlier deployment published no models.');
  const listed = await session.operation('sluice_list_relations', {
    database: first.physical.database ?? null,
    schema: first.physical.schema,
  });
  if (!listed.ok) return done('error', `Not rolled back: ${listed.message}`);
  const existing = new Set(stringList(listed.value));
  const missing = options.restore.models.filter((m) => !existing.has(m.physical.identifier));
  if (missing.length > 0) {
    return done(
      'failed',
      `Not rolled back: the tables of ${missing.map((m) => `\`${m.name}\``).join(', ')} were garbage-collected, so the earlier deployment cannot be restored without a rebuild. Revert the change in a pull request instead; its apply rebuilds what is missing.`,
    );
  }
  const drop = viewsToDrop(options.current.models, options.restore.models);
  const published = await session.operation('sluice_publish', {
    views: options.restore.models.map((m) => ({ public: m.public, physical: m.physical })),
    drops: drop,
  });
  if (!published.ok)
    return done('error', `Not rolled back: ${published.message} The public views are unchanged.`);
  return {
    ...done(
      'applied',
      `Rolled back: ${options.restore.models.length} public views point at the tables of the deployment of \`${options.restore.sha.slice(0, 7)}\` again; nothing was rebuilt.`,
      deploymentLines(options.restore.models, [], drop),
    ),
    deployment: {
      models: options.restore.models,
      built: [],
      restored: options.restore.id,
      manifest: options.restore.manifest,
      ...(options.restore.catalog !== undefined ? { catalog: options.restore.catalog } : {}),
    },
  };
}

/**
 * Drops schemas of the profile's database whose names start with `prefix` and that `choose` picks
 * (closed pull requests' `pr_42`, and the custom ones dbt derives from it, `pr_42_marts`).
 */
export async function dropSchemas(
  options: DbtSessionOptions & {
    prefix: string;
    choose: (schemas: string[]) => string[] | Promise<string[]>;
  },
): Promise<{ ok: true; dropped: string[] } | { ok: false; message: string }> {
  const opened = await openDbtSession(options);
  if (!opened.ok) return { ok: false, message: opened.message };
  const { session } = opened;
  const installed = await session.installMacros();
  if (!installed.ok) return { ok: false, message: installed.message };
  const parse = await session.run('parse', ['parse']);
  if (parse.exitCode !== 0)
    return { ok: false, message: dbtErrorMessage(parse.stdout) ?? 'dbt parse failed' };
  const manifestText = await readArtifact(
    { artifactDir: options.artifactDir, targetDir: session.targetDir },
    'manifest.json',
  );
  const database = manifestText ? firstDatabase(parseManifest(manifestText)) : null;
  const listed = await session.operation('sluice_list_schemas', { database, prefix: options.prefix });
  if (!listed.ok) return { ok: false, message: listed.message };
  const schemas = await options.choose(stringList(listed.value));
  if (schemas.length === 0) return { ok: true, dropped: [] };
  const dropped = await session.operation('sluice_drop_schemas', { database, schemas });
  return dropped.ok ? { ok: true, dropped: schemas } : { ok: false, message: dropped.message };
}

/** A pull request's schemas among `schemas`: `pr_42` itself and `pr_42_<custom>`. */
export function schemasOf(prSchema: string, schemas: readonly string[]): string[] {
  const own = prSchema.toLowerCase();
  return schemas.filter((s) => s.toLowerCase() === own || s.toLowerCase().startsWith(`${own}_`));
}

async function collect(
  session: DbtSession,
  options: ApplyDbtOptions,
  now: { database: string | null; schema: string; existing: Set<string>; models: DeployedModel[] },
): Promise<string[]> {
  const at = options.now().toISOString();
  const garbage = collectable({
    existing: now.existing,
    deployments: [{ at, models: now.models }, ...options.deployments],
    now: options.now(),
    retentionMs: options.retentionMs,
  });
  if (garbage.length === 0) return [];
  const dropped = await session.operation('sluice_drop_relations', {
    database: now.database,
    schema: now.schema,
    identifiers: garbage,
  });
  return dropped.ok ? garbage : [];
}

async function productionCatalog(session: DbtSession, artifactDir: string): Promise<string | undefined> {
  const docs = await session.run('docs', ['docs', 'generate']);
  return docs.exitCode === 0
    ? readArtifact({ artifactDir, targetDir: session.targetDir }, 'catalog.json')
    : undefined;
}

/** `fqn:` selectors for dbt's `--select`: exact, whatever the project's folder layout. */
function selectors(manifest: Manifest, ids: readonly string[]): string[] {
  return ids.map((id) => {
    const node = manifest.nodes[id];
    return node?.fqn?.length ? `fqn:${node.fqn.join('.')}` : (node?.name ?? id);
  });
}

function firstDatabase(manifest: Manifest): string | null {
  for (const node of Object.values(manifest.nodes)) if (node.database) return node.database;
  return null;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function failureSummary(failures: readonly NodeFailure[]): string {
  if (failures.length === 0) return '`dbt build` failed.';
  const tests = failures.filter((f) => f.resourceType === 'test' || f.resourceType === 'unit_test');
  const names = failures
    .slice(0, 5)
    .map((f) => `\`${f.name}\``)
    .join(', ');
  const more = failures.length > 5 ? ` and ${failures.length - 5} more` : '';
  return tests.length === failures.length
    ? `${failures.length} ${failures.length === 1 ? 'test' : 'tests'} failed on the new tables: ${names}${more}.`
    : `${failures.length} ${failures.length === 1 ? 'node' : 'nodes'} failed in the build: ${names}${more}.`;
}

function failureLine(f: NodeFailure): string {
  const rows =
    f.failures !== undefined ? ` (${f.failures} failing ${f.failures === 1 ? 'row' : 'rows'})` : '';
  return `${f.status.toUpperCase()} ${f.name}${rows}: ${f.message.split('\n')[0] ?? ''}`;
}

function appliedMessage(plan: DeploymentPlan, collected: readonly string[]): string {
  const built = plan.build.length;
  const reused = plan.models.length - built;
  const parts = [
    `Published ${plan.models.length} ${plan.models.length === 1 ? 'model' : 'models'} after every test passed: ${built} built, ${reused} unchanged and reused.`,
  ];
  if (plan.drop.length > 0)
    parts.push(
      `Dropped the views of ${plan.drop.length} removed ${plan.drop.length === 1 ? 'model' : 'models'}.`,
    );
  if (collected.length > 0)
    parts.push(`${collected.length} old ${collected.length === 1 ? 'table' : 'tables'} collected.`);
  return parts.join(' ');
}

/** `schema.view → schema.table` per model, marking what this deployment built. */
function deploymentLines(
  models: readonly DeployedModel[],
  built: readonly string[],
  drop: readonly { schema: string; identifier: string }[],
): string {
  return [
    ...models.map(
      (m) =>
        `${built.includes(m.uniqueId) ? 'built ' : 'reused'} ${m.public.schema}.${m.public.identifier} → ${m.physical.schema}.${m.physical.identifier}`,
    ),
    ...drop.map((d) => `dropped ${d.schema}.${d.identifier}`),
  ].join('\n');
}

function stop(
  status: DbtApplyOutcome['status'],
  message: string,
  output: string,
  steps: StepResult[],
): DbtApplyOutcome {
  return { status, message, output, failures: [], collected: [], steps };
}
