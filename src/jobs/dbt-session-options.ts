import type { ProjectConfig } from '../config/repo-config.js';
import type { Project } from '../projects/types.js';
import type { DbtSessionOptions } from '../runner/dbt/dbt-session.js';
import { maskerForStage, passedNames } from '../runner/terraform/run-stage.js';
import type { RunSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * What one stage's dbt runs get: the server's dbt and sandbox, the variables and writable folders the
 * repository's rules pass to THIS stage (`sandbox.plan_env` / `plan_paths` to a plan, the `apply_*`
 * lists to an apply), a masker for their values, and the project's `dbt` settings (profiles folder,
 * the stage's target). Throws SluiceError when dbt is not installed.
 */
export async function dbtSessionOptions(
  deps: WorkerDeps,
  input: {
    project: Project;
    checkoutDir: string;
    artifactDir: string;
    settings: Pick<RunSettings, 'stepTimeoutMs' | 'sandboxRules'>;
    dbt?: ProjectConfig['dbt'];
    signal: AbortSignal;
  },
  stage: 'plan' | 'apply',
): Promise<DbtSessionOptions> {
  const rules = input.settings.sandboxRules;
  const serverEnv = deps.serverEnv ?? process.env;
  const names = passedNames(rules, stage);
  const env = Object.fromEntries(
    names.flatMap((name) => {
      const value = serverEnv[name];
      return value === undefined ? [] : [[name, value]];
    }),
  );
  const target = stage === 'plan' ? input.dbt?.planTarget : input.dbt?.applyTarget;
  return {
    project: input.project,
    checkoutDir: input.checkoutDir,
    artifactDir: input.artifactDir,
    tool: await deps.dbtTool(),
    sandbox: deps.sandbox,
    env,
    writable: (stage === 'plan' ? rules?.planPaths : rules?.applyPaths) ?? [],
    timeoutMs: input.settings.stepTimeoutMs,
    signal: input.signal,
    masker: maskerForStage(deps.masker, names, serverEnv),
    network: rules?.network,
    allowedHosts: rules?.allowedHosts,
    ...(input.dbt?.profilesDir !== undefined ? { profilesDir: input.dbt.profilesDir } : {}),
    ...(target !== undefined ? { target } : {}),
  };
}
