import type { RulesSource } from '../config/rules.js';
import type { ForgeRegistry } from '../forge/registry.js';
import type { LockManager } from '../locks/types.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/types.js';
import type { DbtToolInfo } from '../runner/dbt/dbt-tool.js';
import type { GitMirrors } from '../runner/git-mirror.js';
import type { InstalledTools } from '../runner/installed-tools.js';
import type { Masker } from '../runner/mask.js';
import type { Sandbox } from '../runner/sandbox.js';
import type { ToolInfo } from '../runner/tools.js';
import type { Metrics } from '../server/metrics.js';
import type { Store } from '../store/types.js';

/** Everything a job handler may touch, built once by the composition root (src/app.ts). */
export interface WorkerDeps {
  forges: ForgeRegistry;
  store: Store;
  locks: LockManager;
  /** To enqueue follow-up work (re-plans of PRs made stale by an apply). */
  queue: JobQueue;
  rules: RulesSource;
  mirrors: GitMirrors;
  sandbox: Sandbox;
  /** The default OpenTofu/Terraform: what a project without `tool` runs. */
  tool: () => Promise<ToolInfo>;
  /** Every installed OpenTofu/Terraform, for projects that ask for one (src/runner/resolve-tool.ts). */
  tools: () => Promise<InstalledTools>;
  /** dbt, found when a dbt project is first planned (src/runner/dbt/dbt-tool.ts findDbtTool). */
  dbtTool: () => Promise<DbtToolInfo>;
  masker: Masker;
  logger: Logger;
  metrics: Metrics;
  dataDir: string;
  /**
   * The server's environment, read when a step runs: where the values of a repository's
   * `sandbox.plan_env` / `sandbox.apply_env` come from. Default: the process's environment.
   */
  serverEnv?: Readonly<Record<string, string | undefined>>;
  stepTimeoutMs: number;
  /** The queue's job lease (SLUICE_JOB_LEASE_SECONDS): how fresh a running apply's heartbeat stays. Default 60 s. */
  jobLeaseMs?: number;
  /** How long a retried apply waits for a state lock a paused worker's tool may still release. Default 60 s. */
  applyRecoveryWaitMs?: number;
  /** Between SIGINT and SIGKILL when an apply step is stopped. Default 30 s. */
  applyStopGraceMs?: number;
  parallelPlans: number;
  templatesDir?: string;
  publicUrl?: string;
  /** `@<appName>` invokes the bot. */
  appName: string;
}
