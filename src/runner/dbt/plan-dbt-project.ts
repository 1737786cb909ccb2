import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { analyzeImpact, sqlDiffIds } from '../../dbt/analyze-impact.js';
import type { Catalog } from '../../dbt/catalog.js';
import { dbtErrorMessage, dbtExit } from '../../dbt/dbt-output.js';
import { diffManifests } from '../../dbt/diff-manifests.js';
import { ArtifactError, type Manifest, parseManifest } from '../../dbt/manifest.js';
import type { DbtPlanResult, NodeChange } from '../../dbt/plan-result.js';
import type { Project } from '../../projects/types.js';
import type { Masker } from '../mask.js';
import { makeServerDir, replaceFile } from '../safe-write.js';
import type { Sandbox } from '../sandbox.js';
import type { StepResult } from '../types.js';
import { readArtifact, readBuildOutcome, readCatalog, readCompiledSql } from './dbt-artifacts.js';
import { openDbtSession } from './dbt-session.js';
import { type DbtToolInfo, dbtVersions } from './dbt-tool.js';
import { maskDeep } from './mask-result.js';
import { countRows } from './row-counts.js';

export interface PlanDbtProjectOptions {
  project: Project;
  /** The job's checkout of the PR head (writable in the sandbox). */
  checkoutDir: string;
  /** A per-project directory outside the checkout: profiles, state, target, home, the result. */
  artifactDir: string;
  tool: DbtToolInfo;
  sandbox: Sandbox;
  headSha: string;
  /** Where the zero-row build goes, e.g. prSchemaName(42) = `pr_42`. */
  schema: string;
  /** Production's manifest.json; absent: bootstrap, everything is new. */
  baseManifest?: string;
  /** Production's catalog.json, for column changes. */
  baseCatalog?: string;
  /** Folder of the user's profiles.yml relative to the checkout; default the project dir. */
  profilesDir?: string;
  /** The profile output to use; default the profile's `target`. */
  target?: string;
  /** Variables dbt may read (credentials); give their values to the masker too. */
  env?: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal: AbortSignal;
  masker: Masker;
  network?: boolean;
  /** Folders the admin lets plans write (`sandbox.plan_paths`): a DuckDB warehouse's. */
  writable?: readonly string[];
  /** Build the changed models with real data (not `--empty`) and compare row counts with production. */
  dataBuild?: boolean;
}

export interface PlanDbtProjectOutcome {
  /** Masked; also written to {@link resultFile}. */
  result: DbtPlanResult;
  /** `dbt-plan.json`, in the plan's server folder (beside the artifact dir, never inside it). */
  resultFile: string;
  /** The PR's manifest.json (masked), for the apply to compare against and to keep as the next production state. */
  manifest?: string;
}

/** The plan result as a JSON artifact, next to dbt's own. */
export const PLAN_RESULT_FILE = 'dbt-plan.json';

/**
 * parse → compare with production → `build --empty` of what changed and everything downstream, into
 * the PR's schema, deferring the rest to production → `docs generate` for the columns. Each step is a
 * sandboxed dbt run; exit code 1 means dbt ran and something failed, 2 that it could not plan.
 */
export async function planDbtProject(options: PlanDbtProjectOptions): Promise<PlanDbtProjectOutcome> {
  const started = Date.now();
  await mkdir(options.artifactDir, { recursive: true });
  const serverDir = await makeServerDir(options.artifactDir);
  const resultFile = join(serverDir, PLAN_RESULT_FILE);
  let steps: StepResult[] = [];
  const result = emptyResult(options);
  const finish = async (
    partial: Partial<DbtPlanResult>,
    manifest?: string,
  ): Promise<PlanDbtProjectOutcome> => {
    const done = maskDeep(
      {
        ...result,
        ...partial,
        steps: steps.map((s) => ({ name: s.name, exitCode: s.exitCode, durationMs: s.durationMs })),
        durationMs: Date.now() - started,
      },
      options.masker,
    );
    await replaceFile(serverDir, PLAN_RESULT_FILE, `${JSON.stringify(done, null, 2)}\n`);
    return {
      result: done,
      resultFile,
      ...(manifest !== undefined ? { manifest: options.masker.mask(manifest) } : {}),
    };
  };
  const fail = (step: string, message: string, output = '') =>
    finish({ status: 'error', error: { step, message, output } });

  const opened = await openDbtSession({ ...options, serverDir });
  if (!opened.ok) return fail(opened.step, opened.message);
  const { session } = opened;
  steps = session.steps;
  const run = session.prepared;
  if (run.baseHash) result.baseManifestHash = run.baseHash;
  const target = { artifactDir: options.artifactDir, targetDir: session.targetDir };
  const stateArgs = run.stateDir ? ['--select', 'state:modified+', '--defer', '--state', run.stateDir] : [];
  const step = (name: string, args: string[]) => session.run(name, args);
  const stopped = (s: StepResult) => {
    if (s.cancelled) return finish({ status: 'cancelled' });
    const output = [s.stdout, s.stderr].filter((t) => t.trim()).join('\n');
    if (s.timedOut) {
      return fail(
        s.name,
        `\`dbt ${s.name}\` ran longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped.`,
        output,
      );
    }
    return fail(
      s.name,
      dbtErrorMessage(output) ?? `\`dbt ${s.name}\` exited with code ${s.exitCode}.`,
      output,
    );
  };

  if (await session.hasPackages()) {
    const deps = await step('deps', ['deps']);
    if (deps.exitCode !== 0) return stopped(deps);
  }
  const parse = await step('parse', ['parse']);
  if (parse.exitCode !== 0) return stopped(parse);
  const manifestText = await readArtifact(target, 'manifest.json');
  let head: Manifest;
  try {
    if (manifestText === undefined) throw new ArtifactError('dbt parse wrote no readable manifest.json');
    head = parseManifest(manifestText);
  } catch (error) {
    if (error instanceof ArtifactError) return fail('parse', error.message);
    throw error;
  }
  result.versions = dbtVersions(options.tool, head);

  const build = await step('build', ['build', ...(options.dataBuild ? [] : ['--empty']), ...stateArgs]);
  if (build.cancelled || build.timedOut || dbtExit(build.exitCode) === 'could-not-run') return stopped(build);
  const notes: string[] = [];
  const outcome = await readBuildOutcome(target, head, notes);

  const docs = await step('docs', ['docs', 'generate', ...stateArgs]);
  if (docs.cancelled) return stopped(docs);
  let headCatalog: Catalog | undefined;
  if (docs.exitCode === 0) headCatalog = await readCatalog(target, notes);
  else notes.push(`Column changes unknown: \`dbt docs generate\` failed (${firstLine(docs)}).`);
  const diff = diffManifests(run.base, head);
  // Compiled by docs generate (full SQL, not the zero-row build's), so only when it ran.
  const compiled =
    docs.exitCode === 0 ? await readCompiledSql(target, head, sqlDiffIds(diff)) : new Map<string, string>();

  const impact = analyzeImpact({
    base: run.base,
    head,
    baseCatalog: run.baseCatalog,
    headCatalog,
    build: outcome,
    compiled,
    diff,
  });
  if (options.dataBuild) {
    await attachRowCounts(step, impact, { base: run.base, head, failed: outcome?.failures ?? [] }, notes);
  } else if (outcome && outcome.tests.passed + outcome.tests.failed + outcome.tests.errored > 0) {
    notes.push(
      'Data tests ran on zero rows (`--empty`): they show that each test runs, not that the data passes.',
    );
  }
  const failedBuild = dbtExit(build.exitCode) === 'ran-with-failures';
  if (failedBuild && impact.failures.length === 0) {
    notes.push(`\`dbt build\` exited with code 1: ${firstLine(build)}`);
  }
  const status = failedBuild || impact.breaking.length > 0 ? 'failed' : 'planned';
  return finish({ ...impact, status, notes: [...impact.notes, ...notes] }, manifestText);
}

/**
 * Rows of each built model in the PR's schema and in production, from two count queries (the
 * production one fails alone when production lacks a relation). Counts only, never rows.
 */
async function attachRowCounts(
  step: (name: string, args: string[]) => Promise<StepResult>,
  impact: { changes: NodeChange[]; downstream: NodeChange[] },
  input: { base?: Manifest; head: Manifest; failed: readonly { uniqueId: string }[] },
  notes: string[],
): Promise<void> {
  const rows = [...impact.changes, ...impact.downstream].filter(
    (row) =>
      COUNTED.has(row.resourceType) &&
      !row.reasons.includes('removed') &&
      input.head.nodes[row.uniqueId]?.config?.materialized !== 'ephemeral' &&
      !input.failed.some((f) => f.uniqueId === row.uniqueId),
  );
  const relationsOf = (manifest: Manifest | undefined) =>
    new Map(
      rows.flatMap((row) => {
        const relation = manifest?.nodes[row.uniqueId]?.relation_name;
        return relation ? [[row.uniqueId, relation] as const] : [];
      }),
    );
  const pr = await countRows(step, 'rows', relationsOf(input.head));
  if (!pr.ok) {
    notes.push(`Row counts unknown: ${pr.message}`);
    return;
  }
  const production = await countRows(step, 'production rows', relationsOf(input.base));
  if (!production.ok) notes.push(`Production row counts unknown: ${production.message}`);
  for (const row of rows) {
    const built = pr.counts.get(row.uniqueId);
    if (built === undefined) continue;
    const before = production.ok ? production.counts.get(row.uniqueId) : undefined;
    row.rows = { pr: built, ...(before !== undefined ? { production: before } : {}) };
  }
}

const COUNTED = new Set(['model', 'seed', 'snapshot']);

function emptyResult(options: PlanDbtProjectOptions): DbtPlanResult {
  const none = () => ({ passed: 0, failed: 0, warned: 0, errored: 0, skipped: 0 });
  return {
    project: options.project,
    status: 'error',
    headSha: options.headSha,
    bootstrap: options.baseManifest === undefined,
    schema: options.schema,
    ...(options.dataBuild ? { dataBuild: true } : {}),
    versions: dbtVersions(options.tool),
    changes: [],
    downstream: [],
    exposures: [],
    testChanges: { added: [], removed: [], changed: [] },
    breaking: [],
    tests: none(),
    unitTests: none(),
    failures: [],
    sqlDiffs: [],
    edges: [],
    notes: [],
    steps: [],
    durationMs: 0,
  };
}

function firstLine(step: StepResult): string {
  const output = [step.stdout, step.stderr].join('\n');
  return (dbtErrorMessage(output) ?? `exit code ${step.exitCode}`).split('\n')[0] ?? '';
}
