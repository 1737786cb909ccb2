import { atlantisStepVariables } from './atlantis-step-env.js';
import type { StepContext } from './step-context.js';

export type { RepoName, StepContext } from './step-context.js';

import { ENV_NAME, RESERVED_ENV } from './workflow.js';

/**
 * The variables Sluice gives every workflow step, on top of the sandbox's own (PATH, HOME, TF_*):
 * the run's facts, the server variables the rules pass to this stage (`sandbox.plan_env` /
 * `sandbox.apply_env`, read from the server's environment; missing ones are left out), Atlantis's
 * names for the same facts (`PLANFILE`, `WORKSPACE`, …), and the values set by earlier `env` steps.
 * Later sources win, as in Atlantis, except that nothing replaces a `SLUICE_*` variable. Pure: the
 * runner supplies the values.
 */
export function stepEnvironment(
  context: StepContext,
  passed: { names: readonly string[]; from: Readonly<Record<string, string | undefined>> },
  fromEnvSteps: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of passed.names) {
    const value = passed.from[name];
    if (value !== undefined && ENV_NAME.test(name) && !RESERVED_ENV.test(name)) env[name] = value;
  }
  Object.assign(env, atlantisStepVariables(context));
  for (const [name, value] of Object.entries(fromEnvSteps)) {
    if (ENV_NAME.test(name) && !RESERVED_ENV.test(name)) env[name] = value;
  }
  return {
    ...env,
    SLUICE_PROJECT_NAME: context.project.name,
    SLUICE_PROJECT_DIR: context.projectDir,
    SLUICE_REPO_ROOT: context.repoRoot,
    SLUICE_WORKSPACE: context.project.workspace,
    SLUICE_PR_NUMBER: String(context.prNumber),
    SLUICE_HEAD_SHA: context.headSha,
    SLUICE_BASE_BRANCH: context.baseBranch,
    SLUICE_HEAD_BRANCH: context.headBranch,
    SLUICE_USER: context.user ?? '',
    SLUICE_COMMENT_ARGS: context.commentArgs.join('\n'),
    SLUICE_PLAN_FILE: context.planFile,
  };
}
