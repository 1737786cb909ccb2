import type { DbtDeployment } from '../dbt/deployment.js';
import type { PullRequestRef } from '../forge/types.js';

/**
 * Backend-neutral storage. Implementations: Redis (src/store/redis/); an embedded one comes later.
 * Keys are plain strings built by src/store/keys.ts so every backend names things alike.
 */

export interface DeliveryLog {
  /** Records a webhook delivery id; false when it was seen before (a duplicate). */
  claim(forge: string, deliveryId: string): Promise<boolean>;
  /** Forgets a claim (one made by `claim`, or one key of `claimEach`), so a delivery can be redelivered. */
  release(forge: string, deliveryId: string): Promise<void>;
  /**
   * Records a webhook delivery under each of `keys` at once (its id, and a hash of the body its sender
   * signed) for `windowMs`; false, recording nothing, when any of them was recorded within the window.
   */
  claimEach(forge: string, keys: readonly string[], windowMs: number): Promise<boolean>;
}

export interface HeadMark {
  sha: string;
  /** ISO time the forge says the PR was updated; orders deliveries that arrive out of order. */
  updatedAt: string;
}

export interface HeadTracker {
  /** Moves the PR's newest head forward; returns false when `mark` is older than the one stored. */
  advance(prKey: string, mark: HeadMark): Promise<boolean>;
  latest(prKey: string): Promise<HeadMark | undefined>;
}

export interface PlanArtifact {
  planFile: Buffer;
  planJson: string;
  /** Masked human-readable plan. */
  planText: string;
  createdAt: string;
  tool: { name: string; version: string };
  /** Written and checked by src/store/sealed-store.ts; backends only keep it. */
  seal?: string;
}

export interface PlanStore {
  put(key: string, artifact: PlanArtifact): Promise<void>;
  get(key: string): Promise<PlanArtifact | undefined>;
}

/** A dbt project's plan (src/runner/dbt/plan-dbt-project.ts), kept per PR + head SHA + project (keys.ts planKey). */
export interface DbtPlanArtifact {
  /** The DbtPlanResult as JSON (masked), as in `dbt-plan.json`. */
  resultJson: string;
  /** The PR's manifest.json (masked), for an apply to compare against; absent when dbt could not parse. */
  manifest?: string;
  createdAt: string;
  /** Written and checked by src/store/sealed-store.ts; backends only keep it. */
  seal?: string;
}

/** Production's dbt state for one project (keys.ts dbtProductionKey): what a plan compares against. */
export interface DbtProduction {
  manifest: string;
  catalog?: string;
  /** The commit production was built from. */
  sha: string;
  storedAt: string;
}

export interface DbtStore {
  putPlan(key: string, artifact: DbtPlanArtifact): Promise<void>;
  getPlan(key: string): Promise<DbtPlanArtifact | undefined>;
  /** Written by an apply once production is built; absent: plans bootstrap (everything is new). Kept until replaced. */
  putProduction(key: string, production: DbtProduction): Promise<void>;
  getProduction(key: string): Promise<DbtProduction | undefined>;
  /**
   * Makes a deployment production (its manifest and catalog become what plans compare against) and
   * records it first in the project's history, which keeps the latest DEPLOYMENTS_KEPT. `repoKey`
   * lists the project among the repository's deployed dbt projects.
   */
  recordDeployment(key: string, repoKey: string, deployment: DbtDeployment): Promise<void>;
  /** A project's recorded deployments, newest first. */
  deployments(key: string): Promise<DbtDeployment[]>;
  /** The latest deployment of each dbt project of a repository. */
  latestDeployments(repoKey: string): Promise<DbtDeployment[]>;
}

/** Deployments kept per dbt project: rollback targets and what garbage collection keeps tables for. */
export const DEPLOYMENTS_KEPT = 20;

/** What Sluice last planned for one project of a PR. */
export interface PlannedProject {
  name: string;
  dir: string;
  workspace: string;
  /** Absent in states written before dbt: `terraform`. */
  type?: 'terraform' | 'dbt';
  /** Where the plan artifact is stored (keys.ts planKey). */
  planKey: string;
  /** Identifies this plan among re-plans of the same commit (the artifact's createdAt). */
  planId: string;
  /**
   * SHA-256 of the stored artifact's whole content (src/store/sealed-store.ts planArtifactHash): apply
   * runs only the artifact with this hash. Absent when nothing was stored (failed, locked).
   */
  planHash?: string;
  /**
   * This project's successful plans in this PR, oldest first, the last being this one: what approvals
   * are checked against (src/jobs/approval-binding.ts). Carried over re-plans and pushes; at most 20.
   */
  plans?: PlanRecord[];
  status: 'planned' | 'failed' | 'locked' | 'cancelled';
  noChanges: boolean;
  /** The lock's fencing number when this plan holds the project's lock. */
  fence?: number;
  applied?: { at: string; outcome: 'applied'; by: string };
}

/** One plan as an approval sees it (src/jobs/plan-identity.ts). */
export interface PlanRecord {
  /** SHA-256 over what the plan does and was made from; its first 8 hex digits are the id comments show. */
  id: string;
  /** SHA-256 over what a person chose for it: the project, the extra arguments and the variables. */
  inputs: string;
  /** When Sluice recorded it (ISO). */
  at: string;
}

/** A PR's plans at its latest planned commit: what apply will run. */
export interface PullState {
  pr: PullRequestRef;
  headSha: string;
  author: string;
  url: string;
  plannedAt: string;
  projects: PlannedProject[];
  /** Written and checked by src/store/sealed-store.ts; backends only keep it. */
  seal?: string;
}

export interface PullStates {
  get(prKey: string): Promise<PullState | undefined>;
  put(prKey: string, state: PullState): Promise<void>;
  delete(prKey: string): Promise<void>;
  /** Every PR state of one repo (keys.ts repoKey), e.g. to find other PRs planning the same project. */
  listByRepo(repoKey: string): Promise<PullState[]>;
}

/** The identity of a Terraform/OpenTofu state: a new lineage is another state; each write raises the serial. */
export interface StateIdentity {
  lineage: string;
  serial: number;
}

/**
 * One attempt to apply one saved plan (src/jobs/apply-journal.ts), written before the tool runs: what a
 * retried job reads to tell what an interrupted attempt did.
 */
export interface ApplyAttempt {
  /** The saved plan: planKey@planId. At most one attempt record per plan. */
  claim: string;
  prKey: string;
  project: string;
  /** The job that runs it: a retry of the same job has the same id. */
  runId: string;
  /** Random per attempt; the sandbox's host name, so the tool's state lock names it (`Who`). */
  attemptId: string;
  startedAt: string;
  /** Renewed while the attempt runs; a dead worker's attempt stops renewing it. */
  heartbeatAt: string;
  /** `claimed`: the tool has not run; `applying`: it may have; `finished`: it reported back. */
  phase: 'claimed' | 'applying' | 'finished';
  /** The state before the apply; null: there was none yet. Absent until read (phase `claimed`). */
  stateBefore?: StateIdentity | null;
  /** What the attempt or its recovery concluded, for the log and the next reader. */
  outcome?: string;
}

export interface ApplyJournal {
  /** Records a new attempt; false when the plan already has one (running, interrupted, or finished). */
  begin(attempt: ApplyAttempt): Promise<boolean>;
  get(claim: string): Promise<ApplyAttempt | undefined>;
  /**
   * Replaces the record, only while it is still this attempt's (same `attemptId`); false when another
   * attempt took it over (this worker lost its lease, and a retry is recovering).
   */
  update(attempt: ApplyAttempt): Promise<boolean>;
  /** Hands the record from attempt `fromAttemptId` to `next` (a recovery); false when someone else did first. */
  takeOver(fromAttemptId: string, next: ApplyAttempt): Promise<boolean>;
  /** Forgets the attempt: the plan may be applied again (nothing was changed, or a failed apply may be retried). */
  release(claim: string): Promise<void>;
  /** Attempts not finished, oldest first, at most `limit`: what the reconciler looks at. */
  unfinished(limit: number): Promise<ApplyAttempt[]>;
}

export interface CommentIds {
  get(prKey: string, kind: string): Promise<string[]>;
  set(prKey: string, kind: string, ids: string[]): Promise<void>;
}

/** A maintainer's `sluice plan` on a fork's pull request: planning that one head commit is allowed. */
export interface ForkAllowance {
  headSha: string;
  /** Who allowed it (a user with write access, never the pull request's author). */
  by: string;
  /** ISO time. */
  at: string;
}

export interface ForkAllowances {
  /** Records an allowance for the PR's head commit; a later one for the same commit replaces it. */
  allow(prKey: string, allowance: ForkAllowance): Promise<void>;
  /** The allowance for exactly this head commit of the PR, if any. */
  get(prKey: string, headSha: string): Promise<ForkAllowance | undefined>;
}

export interface Store {
  deliveries: DeliveryLog;
  forks: ForkAllowances;
  heads: HeadTracker;
  plans: PlanStore;
  dbt: DbtStore;
  comments: CommentIds;
  pulls: PullStates;
  applies: ApplyJournal;
  ping(): Promise<void>;
  close(): Promise<void>;
}
