import type { DbtPlanResult } from '../dbt/plan-result.js';
import type { Project } from '../projects/types.js';

export type ResourceAction = 'create' | 'update' | 'delete' | 'replace' | 'read' | 'no-op';

export interface ResourceChange {
  address: string;
  action: ResourceAction;
}

export interface PlanSummary {
  add: number;
  change: number;
  destroy: number;
  replace: number;
  /** Output values that change, by name. */
  outputChanges: string[];
  /** Resource-level changes, no-ops and reads left out. */
  resources: ResourceChange[];
  noChanges: boolean;
}

/** How a process ended and what it printed. */
export interface ProcessOutcome {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

/** Output of one executed step, secrets already masked. */
export interface StepResult extends ProcessOutcome {
  name: string;
  argv: string[];
}

export type ProjectPlanStatus = 'planned' | 'failed' | 'cancelled' | 'locked';

/** Who holds a project's lock, for the comment of a PR that could not plan it. */
export interface LockedBy {
  prNumber: number;
  prUrl: string;
  author: string;
  headSha: string;
  acquiredAt: string;
}

export interface ProjectPlanResult {
  project: Project;
  status: ProjectPlanStatus;
  /** Present when status is "planned". */
  summary?: PlanSummary;
  /** Human-readable plan (`tofu show` of the saved plan), masked. */
  planText?: string;
  /** Present when status is "failed": the step that failed and its masked output. */
  error?: { step: string; message: string; output: string };
  /** Present when status is "locked". */
  lockedBy?: LockedBy;
  /** What the workflow's `run` steps printed, each after a `$ command` line; masked. */
  stepOutput?: string;
  /** A dbt project's plan (project.type `dbt`): rendered by src/dbt/render-plan.ts in its section. */
  dbt?: DbtPlanResult;
  tool: { name: 'tofu' | 'terraform' | 'dbt'; version: string };
  durationMs: number;
  /** The stored plan's short id (src/jobs/plan-identity.ts), shown beside the project; approvals name it. */
  planId?: string;
}
