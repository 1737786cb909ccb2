import type { ProjectConfig } from '../config/repo-config.js';
import { prSchemaName } from '../dbt/pr-profile.js';
import { dbtProjectResult } from '../dbt/project-result.js';
import { SluiceError } from '../errors.js';
import type { PullRequestRef } from '../forge/types.js';
import { withLogContext } from '../log-context.js';
import type { Project } from '../projects/types.js';
import { planDbtProject } from '../runner/dbt/plan-dbt-project.js';
import type { ProjectPlanResult } from '../runner/types.js';
import { dbtProductionKey } from '../store/keys.js';
import { dbtPlanArtifactHash } from '../store/sealed-store.js';
import { dbtSessionOptions } from './dbt-session-options.js';
import { dbtPlanIdentity } from './plan-identity.js';
import type { StoredPlan } from './plan-records.js';
import type { RunSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

export interface PlanDbtInput {
  project: Project;
  pr: PullRequestRef;
  headSha: string;
  checkoutDir: string;
  /** A fresh directory of this project's own, outside the checkout. */
  artifactDir: string;
  /** Where the DbtPlanResult is kept (keys.ts planKey). */
  planKey: string;
  createdAt: string;
  settings: Pick<RunSettings, 'stepTimeoutMs' | 'sandboxRules'>;
  /** The project's `dbt` settings in sluice.yaml: profiles folder, plan output. */
  dbt?: ProjectConfig['dbt'];
  signal: AbortSignal;
}

/**
 * One dbt project of a PR's plan: planDbtProject in the sandbox, into the PR's schema, against the
 * production manifest Sluice keeps for the project (none yet: bootstrap, everything is new). The
 * result is stored by `planKey` and returned as the project's result for the comment and statuses.
 * Only what dbt finds fails the project; a missing dbt fails it with what to install.
 */
/** {@link planDbtInProject}, with the project named on every log line it writes. */
export function planDbt(
  deps: WorkerDeps,
  input: PlanDbtInput,
): Promise<ProjectPlanResult & { stored?: StoredPlan }> {
  return withLogContext({ project: input.project.name }, () => planDbtInProject(deps, input));
}

async function planDbtInProject(
  deps: WorkerDeps,
  input: PlanDbtInput,
): Promise<ProjectPlanResult & { stored?: StoredPlan }> {
  const { project } = input;
  let session: Awaited<ReturnType<typeof dbtSessionOptions>>;
  try {
    session = await dbtSessionOptions(deps, input, 'plan');
  } catch (error) {
    if (!(error instanceof SluiceError)) throw error;
    return {
      project,
      status: 'failed',
      error: { step: 'dbt', message: error.message, output: '' },
      tool: { name: 'dbt', version: 'unknown' },
      durationMs: 0,
    };
  }
  const production = await deps.store.dbt.getProduction(dbtProductionKey(input.pr.repo, project));
  // The repository's `sandbox.plan_env` reaches dbt (credentials for `env_var()`), as it does plans.
  const { result, manifest } = await planDbtProject({
    ...session,
    headSha: input.headSha,
    schema: prSchemaName(input.pr.number),
    ...(production ? { baseManifest: production.manifest } : {}),
    ...(production?.catalog !== undefined ? { baseCatalog: production.catalog } : {}),
    dataBuild: input.dbt?.dataBuild === true,
  });
  const artifact = {
    resultJson: JSON.stringify(result),
    ...(manifest !== undefined ? { manifest } : {}),
    createdAt: input.createdAt,
  };
  await deps.store.dbt.putPlan(input.planKey, artifact);
  return {
    ...dbtProjectResult(result),
    stored: { hash: dbtPlanArtifactHash(artifact), identity: dbtPlanIdentity(project, result) },
  };
}
