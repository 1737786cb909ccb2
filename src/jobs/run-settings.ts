import type { RepoConfig } from '../config/repo-config.js';
import type { RepoRules, SandboxRules } from '../config/rules.js';

/** The server-wide defaults a repository's rules override. */
export interface ServerRunDefaults {
  stepTimeoutMs: number;
  templatesDir?: string;
  parallelPlans: number;
}

/** How a plan or apply of one repository runs: the server's defaults under the repository's rules. */
export interface RunSettings {
  /** Per step; a longer one is killed with its process tree. */
  stepTimeoutMs: number;
  /** Comment templates that override the built-in ones. */
  templatesDir?: string;
  /** Network, and which server variables reach plan and apply steps. */
  sandboxRules: SandboxRules;
  /** Projects of one PR planned at the same time. */
  parallelPlans: number;
}

/**
 * Pure: `step_timeout_seconds`, `templates_dir` and `sandbox` from the server config's rules for the
 * repository over the server's settings; `parallel_plan: false` in the repo config plans one at a time.
 */
export function runSettings(
  rules: Pick<RepoRules, 'stepTimeoutMs' | 'templatesDir' | 'sandbox'>,
  server: ServerRunDefaults,
  config?: Pick<RepoConfig, 'parallelPlan'>,
): RunSettings {
  return {
    stepTimeoutMs: rules.stepTimeoutMs ?? server.stepTimeoutMs,
    templatesDir: rules.templatesDir ?? server.templatesDir,
    sandboxRules: rules.sandbox,
    parallelPlans: config?.parallelPlan === false ? 1 : Math.max(1, server.parallelPlans),
  };
}
