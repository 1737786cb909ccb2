import { randomSha, stableId, timestamp } from './ids.js';

export type FileStatus = 'added' | 'modified' | 'removed' | 'renamed';
export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED';
export type PermissionLevel = 'admin' | 'write' | 'read' | 'none';
export type StatusState = 'error' | 'failure' | 'pending' | 'success';

export interface PullFile {
  filename: string;
  status: FileStatus;
  previous_filename?: string;
}

export interface RepoRecord {
  id: number;
  owner: string;
  name: string;
  cloneUrl: string;
  defaultBranch: string;
  installationId: number;
  createdAt: string;
}

export interface PullRecord {
  repo: RepoRecord;
  number: number;
  id: number;
  title: string;
  author: string;
  draft: boolean;
  state: 'open' | 'closed';
  merged: boolean;
  mergeCommitSha: string | null;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  /** The owner of the fork the head branch lives in; undefined: the base repository. */
  forkOwner?: string;
  /** Where the fork is cloned from; the base repository's URL unless given. */
  forkCloneUrl?: string;
  files: PullFile[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  mergedAt: string | null;
}

export interface CommentRecord {
  id: number;
  repo: RepoRecord;
  number: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface StatusRecord {
  id: number;
  sha: string;
  context: string;
  state: StatusState;
  description: string | null;
  target_url: string | null;
  created_at: string;
}

export interface ReviewRecord {
  id: number;
  pull: PullRecord;
  user: string;
  state: ReviewState;
  commitId: string;
  body: string;
  submittedAt: string;
}

export interface ReactionRecord {
  id: number;
  commentId: number;
  content: string;
  user: string;
  created_at: string;
}

export interface AddRepoOptions {
  owner: string;
  name: string;
  cloneUrl: string;
  defaultBranch?: string;
  installationId?: number;
}

export interface AddPullRequestOptions {
  owner: string;
  repo: string;
  number?: number;
  head: { ref: string; sha: string };
  base: { ref: string; sha: string };
  author: string;
  title?: string;
  draft?: boolean;
  files: PullFile[];
  /** The head branch lives in this owner's fork of the repository. */
  forkOwner?: string;
  /** The fork's clone URL (`head.repo.clone_url`). */
  forkCloneUrl?: string;
}

export interface UpdatePullRequestOptions {
  owner: string;
  repo: string;
  number: number;
  head?: { ref?: string; sha: string };
  base?: { ref?: string; sha: string };
  files?: PullFile[];
  title?: string;
  draft?: boolean;
  /** `merged` closes the PR with `mergeCommitSha` (random when omitted). */
  state?: 'open' | 'closed' | 'merged';
  mergeCommitSha?: string;
}

export interface AddReviewOptions {
  owner: string;
  repo: string;
  number: number;
  user: string;
  state: ReviewState;
  commitId: string;
  body?: string;
}

/** Owner, repository and user names are case-insensitive on GitHub; refs and paths are not. */
const key = (...parts: Array<string | number>) => parts.join('\u0000').toLowerCase();

/** Everything the fake GitHub knows, in memory. Names compare case-insensitively, like GitHub. */
export class FakeState {
  readonly #repos = new Map<string, RepoRecord>();
  readonly #pulls = new Map<string, PullRecord>();
  readonly #comments = new Map<number, CommentRecord>();
  readonly #statuses = new Map<string, StatusRecord[]>();
  readonly #reviews: ReviewRecord[] = [];
  readonly #permissions = new Map<string, PermissionLevel>();
  readonly #teamMembers = new Map<string, 'active' | 'pending'>();
  readonly #files = new Map<string, Buffer>();
  readonly #branches = new Map<string, string>();
  readonly #tokens = new Map<string, { installationId: number; expiresAt: number }>();
  readonly reactions: ReactionRecord[] = [];
  /** Writes still to be answered with GitHub's secondary rate limit (403 + retry-after), as a test asked. */
  secondaryLimitedWrites = 0;
  #lastId = 1_000_000;

  nextId(): number {
    this.#lastId += 1;
    return this.#lastId;
  }

  addRepo(options: AddRepoOptions): RepoRecord {
    const repo: RepoRecord = {
      id: stableId(`repo:${options.owner}/${options.name}`),
      owner: options.owner,
      name: options.name,
      cloneUrl: options.cloneUrl,
      defaultBranch: options.defaultBranch ?? 'main',
      installationId: options.installationId ?? 1,
      createdAt: timestamp(),
    };
    this.#repos.set(key(options.owner, options.name), repo);
    return repo;
  }

  repo(owner: string, name: string): RepoRecord | undefined {
    return this.#repos.get(key(owner, name));
  }

  hasInstallation(installationId: number): boolean {
    return [...this.#repos.values()].some((r) => r.installationId === installationId);
  }

  addPullRequest(options: AddPullRequestOptions): PullRecord {
    const repo = this.#requireRepo(options.owner, options.repo);
    const taken = [...this.#pulls.values()].filter((p) => p.repo === repo).map((p) => p.number);
    const number = options.number ?? Math.max(0, ...taken) + 1;
    const now = timestamp();
    const pull: PullRecord = {
      repo,
      number,
      id: stableId(`pull:${repo.owner}/${repo.name}#${number}`),
      title: options.title ?? `Change #${number}`,
      author: options.author,
      draft: options.draft ?? false,
      state: 'open',
      merged: false,
      mergeCommitSha: null,
      head: { ...options.head },
      base: { ...options.base },
      forkOwner: options.forkOwner,
      forkCloneUrl: options.forkCloneUrl,
      files: options.files.map((f) => ({ ...f })),
      createdAt: now,
      updatedAt: now,
      closedAt: null,
      mergedAt: null,
    };
    this.#pulls.set(key(repo.owner, repo.name, number), pull);
    return pull;
  }

  updatePullRequest(options: UpdatePullRequestOptions): PullRecord {
    const pull = this.#requirePull(options.owner, options.repo, options.number);
    if (options.head) pull.head = { ref: options.head.ref ?? pull.head.ref, sha: options.head.sha };
    if (options.base) pull.base = { ref: options.base.ref ?? pull.base.ref, sha: options.base.sha };
    if (options.files) pull.files = options.files.map((f) => ({ ...f }));
    if (options.title !== undefined) pull.title = options.title;
    if (options.draft !== undefined) pull.draft = options.draft;
    if (options.state === 'merged') this.merge(pull, options.mergeCommitSha);
    else if (options.state) {
      pull.state = options.state;
      pull.closedAt = options.state === 'closed' ? timestamp() : null;
    }
    pull.updatedAt = timestamp();
    return pull;
  }

  merge(pull: PullRecord, mergeCommitSha = randomSha()): void {
    const now = timestamp();
    Object.assign(pull, {
      state: 'closed',
      merged: true,
      mergeCommitSha,
      mergedAt: now,
      closedAt: now,
      updatedAt: now,
    });
  }

  pull(owner: string, repo: string, number: number): PullRecord | undefined {
    return this.#pulls.get(key(owner, repo, number));
  }

  addReview(options: AddReviewOptions): ReviewRecord {
    const review: ReviewRecord = {
      id: this.nextId(),
      pull: this.#requirePull(options.owner, options.repo, options.number),
      user: options.user,
      state: options.state,
      commitId: options.commitId,
      body: options.body ?? '',
      submittedAt: timestamp(),
    };
    this.#reviews.push(review);
    return review;
  }

  reviews(pull: PullRecord): ReviewRecord[] {
    return this.#reviews.filter((r) => r.pull === pull);
  }

  addComment(repo: RepoRecord, number: number, user: string, body: string): CommentRecord {
    const now = timestamp();
    const comment = { id: this.nextId(), repo, number, body, user, created_at: now, updated_at: now };
    this.#comments.set(comment.id, comment);
    return comment;
  }

  comment(repo: RepoRecord, id: number): CommentRecord | undefined {
    const comment = this.#comments.get(id);
    return comment?.repo === repo ? comment : undefined;
  }

  deleteComment(id: number): void {
    this.#comments.delete(id);
  }

  /** Comments on an issue or PR, oldest first. */
  comments(repo: RepoRecord, number: number): CommentRecord[] {
    return [...this.#comments.values()].filter((c) => c.repo === repo && c.number === number);
  }

  addReaction(commentId: number, content: string, user: string): ReactionRecord {
    const reaction = { id: this.nextId(), commentId, content, user, created_at: timestamp() };
    this.reactions.push(reaction);
    return reaction;
  }

  addStatus(
    repo: RepoRecord,
    sha: string,
    status: Omit<StatusRecord, 'id' | 'sha' | 'created_at'>,
  ): StatusRecord {
    const record = { id: this.nextId(), sha, created_at: timestamp(), ...status };
    const k = key(repo.owner, repo.name, sha);
    this.#statuses.set(k, [...(this.#statuses.get(k) ?? []), record]);
    return record;
  }

  statuses(repo: RepoRecord, sha: string): StatusRecord[] {
    return this.#statuses.get(key(repo.owner, repo.name, sha)) ?? [];
  }

  setPermission(owner: string, repo: string, user: string, level: PermissionLevel): void {
    this.#requireRepo(owner, repo);
    this.#permissions.set(key(owner, repo, user), level);
  }

  permission(repo: RepoRecord, user: string): PermissionLevel {
    return this.#permissions.get(key(repo.owner, repo.name, user)) ?? 'none';
  }

  /** Puts `user` in team `org/slug` (`pending`: invited, not yet a member); `undefined` removes them. */
  setTeamMember(
    org: string,
    slug: string,
    user: string,
    state: 'active' | 'pending' | undefined = 'active',
  ): void {
    if (state === undefined) this.#teamMembers.delete(key(org, slug, user));
    else this.#teamMembers.set(key(org, slug, user), state);
  }

  teamMembership(org: string, slug: string, user: string): 'active' | 'pending' | undefined {
    return this.#teamMembers.get(key(org, slug, user));
  }

  /** Whether an installation covers the organisation (it holds one of its repositories). */
  installationCoversOrg(installationId: number | undefined, org: string): boolean {
    return [...this.#repos.values()].some(
      (r) => r.installationId === installationId && r.owner.toLowerCase() === org.toLowerCase(),
    );
  }

  /** Points branch `name` at commit `sha`, as a push to GitHub does. Branch names are case-sensitive. */
  setBranch(owner: string, repo: string, name: string, sha: string): void {
    this.#requireRepo(owner, repo);
    this.#branches.set(`${key(owner, repo)}\u0000${name}`, sha);
  }

  /** The commit at the head of branch `name`. */
  branch(repo: RepoRecord, name: string): string | undefined {
    return this.#branches.get(`${key(repo.owner, repo.name)}\u0000${name}`);
  }

  setFile(owner: string, repo: string, ref: string, path: string, content: string | Buffer): void {
    this.#requireRepo(owner, repo);
    this.#files.set(`${key(owner, repo)}\u0000${ref}\u0000${path}`, Buffer.from(content));
  }

  file(repo: RepoRecord, ref: string, path: string): Buffer | undefined {
    return this.#files.get(`${key(repo.owner, repo.name)}\u0000${ref}\u0000${path}`);
  }

  issueToken(installationId: number, token: string, expiresAt: number): void {
    this.#tokens.set(token, { installationId, expiresAt });
  }

  /** The installation a live token belongs to. */
  tokenInstallation(token: string, now = Date.now()): number | undefined {
    const issued = this.#tokens.get(token);
    return issued && issued.expiresAt > now ? issued.installationId : undefined;
  }

  #requireRepo(owner: string, name: string): RepoRecord {
    const repo = this.repo(owner, name);
    if (!repo) throw new Error(`fake GitHub: add the repository ${owner}/${name} first`);
    return repo;
  }

  #requirePull(owner: string, repo: string, number: number): PullRecord {
    const pull = this.pull(owner, repo, number);
    if (!pull) throw new Error(`fake GitHub: add pull request ${owner}/${repo}#${number} first`);
    return pull;
  }
}
