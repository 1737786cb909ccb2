import { COMMAND_NAMES, type CommandName } from '../commands/parse-command.js';
import type { RepoRef } from '../forge/types.js';

export type ApplyMode = 'merge' | 'comment';
export type LockMode = 'plan' | 'apply' | 'off';
export type ApplyRequirement = 'approved' | 'mergeable' | 'undiverged';

/** What an admin decides for a repository; never taken from the pull request itself. */
export interface RepoRules {
  /** `merge`: apply the reviewed plans when the PR is merged; `comment`: on `sluice apply`. */
  applyMode: ApplyMode;
  /** When a project's lock is taken: on plan (default), on apply, or never. */
  lockMode: LockMode;
  applyRequirements: ApplyRequirement[];
  /** In `comment` mode: merge the PR once every project is applied. */
  automerge: boolean;
  /** Also answer `atlantis plan` / `atlantis apply`. */
  atlantisAlias: boolean;
  allowedCommands: CommandName[];
}

export const DEFAULT_REQUIREMENTS: Record<ApplyMode, ApplyRequirement[]> = {
  merge: ['approved'],
  comment: ['approved', 'mergeable', 'undiverged'],
};

export function defaultRules(applyMode: ApplyMode = 'merge'): RepoRules {
  return {
    applyMode,
    lockMode: 'plan',
    applyRequirements: [...DEFAULT_REQUIREMENTS[applyMode]],
    automerge: false,
    atlantisAlias: true,
    allowedCommands: [...COMMAND_NAMES],
  };
}

/** Looks up the rules for a repository (the server config's per-repo rules over the defaults). */
export type RulesSource = (repo: RepoRef) => RepoRules;
