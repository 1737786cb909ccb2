/**
 * The forge-neutral contract. Everything GitHub- or GitLab-specific lives in
 * src/forge/<forge>/ behind this interface; the core never names a forge.
 */

export interface RepoRef {
  /** Adapter kind, e.g. the key the forge registry was built with. Opaque to the core. */
  forge: string;
  /** Stable id on the forge (string so every forge fits). */
  id: string;
  owner: string;
  name: string;
  /** "owner/name" (GitLab: full namespace path). */
  fullName: string;
  /** Forge-specific routing data the adapter needs again later (e.g. GitHub installation id). */
  auth?: Record<string, string | number>;
}

export interface PullRequestRef {
  repo: RepoRef;
  number: number;
}

export type PullRequestState = 'open' | 'closed' | 'merged';

export interface PullRequest {
  ref: PullRequestRef;
  title: string;
  author: string;
  url: string;
  state: PullRequestState;
  draft: boolean;
  /** The head branch lives in another repository (a fork), or in one that was deleted. */
  fromFork: boolean;
  /** The repository the head branch lives in, when the forge names it (not for a deleted fork). */
  headRepo?: { owner: string; name: string };
  headSha: string;
  headBranch: string;
  baseSha: string;
  baseBranch: string;
  mergeCommitSha?: string;
}

/** A branch and the commit at its head. */
export interface BranchHead {
  name: string;
  sha: string;
}

export type FileChangeStatus = 'added' | 'modified' | 'removed' | 'renamed';

export interface ChangedFile {
  path: string;
  status: FileChangeStatus;
  previousPath?: string;
}

export interface Comment {
  id: string;
  body: string;
  author: string;
}

export type CommitState = 'pending' | 'success' | 'failure' | 'error';

export interface CommitStatus {
  /** e.g. "sluice/plan" or "sluice/plan: infra/prod (default)". */
  context: string;
  state: CommitState;
  description: string;
  targetUrl?: string;
}

export interface Approval {
  user: string;
  /** Head SHA the review was given on, when the forge reports it. */
  commitSha?: string;
  /** When it was given (ISO), when the forge reports it: an approval covers the plans that existed then. */
  at?: string;
  dismissed: boolean;
}

export type Permission = 'admin' | 'write' | 'read' | 'none';

/** How the bot acknowledges a comment command: heard it, or could not act on it. */
export type Reaction = 'seen' | 'refused';

export interface Mergeability {
  mergeable: boolean;
  /** Why not, in words for a PR comment (e.g. "has merge conflicts", "required check `ci/test` is failing"). */
  reasons: string[];
}

/** How to fetch the repository. Credentials are kept apart from the URL so they never land in logs or git config. */
export interface CloneAccess {
  url: string;
  username?: string;
  password?: string;
  /** Refs to fetch so a PR's head commit is present (e.g. "+refs/pull/*\/head:refs/pull/*\/head"). */
  refspecs: string[];
}

/**
 * What the forge's users call a pull request, as plain data (it serialises, e.g. into job data or a test
 * snapshot). The core writes these words into comments, replies and statuses; it never picks them itself.
 */
export interface ChangeRequestWords {
  /** Lower case, e.g. "pull request" or "merge request"; capitalised at the start of a sentence. */
  noun: string;
  /** The abbreviation, e.g. "PR" or "MR". */
  short: string;
  /** What goes before the number in a reference that links, e.g. "#" (so "#3") or "!" (so "!3"). */
  prefix: string;
}

export interface ForgeCapabilities {
  /** Largest comment body the forge accepts, in characters. */
  maxCommentLength: number;
  /** Whether Mermaid code blocks render. */
  mermaid: boolean;
  /** How comments name a pull request and refer to one by number. */
  changeRequest: ChangeRequestWords;
}

export interface Forge {
  /** Registry key; equals RepoRef.forge for repos of this forge. */
  readonly kind: string;
  readonly capabilities: ForgeCapabilities;
  getPullRequest(pr: PullRequestRef): Promise<PullRequest>;
  listChangedFiles(pr: PullRequestRef): Promise<ChangedFile[]>;
  /**
   * The repository's default branch and the commit at its head now. The rules for applying are read
   * there, whichever branch a pull request targets.
   */
  getDefaultBranch(repo: RepoRef): Promise<BranchHead>;
  /** Comments on the PR whose body contains `marker`, oldest first. */
  findComments(pr: PullRequestRef, marker: string): Promise<Comment[]>;
  createComment(pr: PullRequestRef, body: string): Promise<string>;
  updateComment(pr: PullRequestRef, id: string, body: string): Promise<void>;
  deleteComment(pr: PullRequestRef, id: string): Promise<void>;
  setCommitStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void>;
  listApprovals(pr: PullRequestRef): Promise<Approval[]>;
  getPermission(repo: RepoRef, user: string): Promise<Permission>;
  /**
   * Whether `user` is an active member of `team`: `org/team`, or a bare `team` of the repository's owner
   * (GitLab: a group's full path, or a bare name for a subgroup of the repository's top-level group).
   * A team that does not exist, or that Sluice may not see, has no members.
   */
  isTeamMember(repo: RepoRef, team: string, user: string): Promise<boolean>;
  cloneAccess(repo: RepoRef): Promise<CloneAccess>;
  /** Marks a command comment as heard (or refused) so people see the bot got it. */
  react(pr: PullRequestRef, commentId: string, reaction: Reaction): Promise<void>;
  /**
   * Whether the PR could be merged as it stands. Statuses and checks whose context satisfies `ignore`
   * (Sluice's own, e.g. a pending `sluice/apply`) never count against it.
   */
  getMergeability(pr: PullRequestRef, ignore: (context: string) => boolean): Promise<Mergeability>;
  /** Merges the PR at exactly `sha` (automerge after every project is applied). */
  merge(pr: PullRequestRef, sha: string): Promise<void>;
}
