import { COMMAND_NAMES, type CommandName } from '../commands/parse-command.js';
import type { RepoRef } from '../forge/types.js';
import type { Workflow } from './workflow.js';

export type ApplyMode = 'merge' | 'comment';
export type LockMode = 'plan' | 'apply' | 'off';
export type ApplyRequirement = 'approved' | 'mergeable' | 'undiverged';
export type Role = 'read' | 'write' | 'admin';
/** The commands whose use is restricted to certain people. */
export type GuardedCommand = 'plan' | 'apply' | 'unlock';
export const GUARDED_COMMANDS: readonly GuardedCommand[] = ['plan', 'apply', 'unlock'];

/** Keys of a repo's own config that only take effect when the server config lists them in `allowed_overrides`. */
export const OVERRIDABLE_KEYS = ['apply_requirements', 'plan_requirements', 'workflow', 'lock_mode'] as const;
export type OverridableKey = (typeof OVERRIDABLE_KEYS)[number];

/** Who may run a command: anyone listed, anyone in a listed team, or anyone with at least `minRole` on the repo. */
export interface Who {
  users: string[];
  /** `org/team` or a bare team of the repo's owner (GitLab: a group path, or a subgroup of the top-level group). */
  teams: string[];
  /** Undefined: the repo role grants nothing; only `users` and `teams` count. */
  minRole?: Role;
}

export interface ProjectPermissions {
  /** Glob on the project dir (`prod/**`); the last matching entry wins, command by command. */
  match: string;
  plan?: Who;
  apply?: Who;
  unlock?: Who;
}

export interface PermissionRules {
  plan: Who;
  apply: Who;
  unlock: Who;
  projects: ProjectPermissions[];
}

export interface SandboxRules {
  /** Undefined: the server's SLUICE_SANDBOX_NETWORK. */
  network?: boolean;
  /** Hosts a networked step may reach besides the server's egress list (SLUICE_EGRESS_HOSTS and defaults). */
  allowedHosts?: string[];
  /** Names of server environment variables passed to plan steps (values are read when the step runs). */
  planEnv: string[];
  /** Names of server environment variables passed to apply steps. */
  applyEnv: string[];
  /**
   * Absolute folders dbt plan / apply steps may write besides the job's checkout: a DuckDB warehouse
   * file's folder (a networked warehouse needs none). Absent: none.
   */
  planPaths?: string[];
  applyPaths?: string[];
}

/** What an admin decides for a repository; never taken from the pull request itself. */
export interface RepoRules {
  /** Whether Sluice acts on this repository at all. */
  allowed: boolean;
  /** `merge`: apply the reviewed plans when the PR is merged; `comment`: on `sluice apply`. */
  applyMode: ApplyMode;
  /** When a project's lock is taken: on plan (default), on apply, or never. */
  lockMode: LockMode;
  applyRequirements: ApplyRequirement[];
  /** What must hold before a plan runs (default: nothing). */
  planRequirements: ApplyRequirement[];
  /** In `comment` mode: merge the PR once every project is applied. */
  automerge: boolean;
  /** Also answer `atlantis plan` / `atlantis apply`. */
  atlantisAlias: boolean;
  allowedCommands: CommandName[];
  permissions: PermissionRules;
  /** Keys a repo's `sluice.yaml` may set; any other restricted key there is refused. */
  allowedOverrides: OverridableKey[];
  /** Workflows a project may name; undefined: any the server config defines. */
  allowedWorkflows?: string[];
  /** Whether a repo's `sluice.yaml` may define its own `workflows` (they run its commands in the sandbox). */
  allowCustomWorkflows: boolean;
  /** The workflow projects use unless they name one. */
  workflow: string;
  /** Workflows the server config defines, by name (`default` is built in). */
  workflows: Record<string, Workflow>;
  sandbox: SandboxRules;
  /** Undefined: the server's SLUICE_STEP_TIMEOUT_SECONDS. */
  stepTimeoutMs?: number;
  /** Undefined: the server's SLUICE_TEMPLATES_DIR. */
  templatesDir?: string;
  /** Plan automatically on push; off: only on `sluice plan`. */
  autoplan: boolean;
  /** Draft pull requests: autoplan them, or wait until they are ready for review. */
  drafts: 'plan' | 'skip';
  /**
   * Pull requests from forks: plan them like any other, or (the default) only a head commit a
   * maintainer allowed by commenting `sluice plan`.
   */
  forks: 'plan' | 'skip';
  /**
   * An apply whose worker died before it changed the state: apply the saved plan again when the job is
   * retried (`reapply`, the default: the plan is still exact), or wait for `sluice apply` (`wait`).
   */
  interruptedApply?: 'reapply' | 'wait';
}

export const DEFAULT_REQUIREMENTS: Record<ApplyMode, ApplyRequirement[]> = {
  merge: ['approved'],
  comment: ['approved', 'mergeable', 'undiverged'],
};

export const DEFAULT_WORKFLOW = 'default';

/** Today's rule: people who can push may plan, apply and unlock. */
export function writersOnly(): Who {
  return { users: [], teams: [], minRole: 'write' };
}

export function defaultRules(applyMode: ApplyMode = 'merge'): RepoRules {
  return {
    allowed: true,
    applyMode,
    lockMode: 'plan',
    applyRequirements: [...DEFAULT_REQUIREMENTS[applyMode]],
    planRequirements: [],
    automerge: false,
    atlantisAlias: true,
    allowedCommands: [...COMMAND_NAMES],
    permissions: { plan: writersOnly(), apply: writersOnly(), unlock: writersOnly(), projects: [] },
    allowedOverrides: [],
    allowCustomWorkflows: false,
    workflow: DEFAULT_WORKFLOW,
    workflows: {},
    sandbox: { planEnv: [], applyEnv: [] },
    autoplan: true,
    drafts: 'plan',
    forks: 'skip',
  };
}

/** Looks up the rules for a repository (the server config's per-repo rules over the defaults). */
export type RulesSource = (repo: RepoRef) => RepoRules;
