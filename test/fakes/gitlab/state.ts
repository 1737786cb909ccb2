import { mergeRequestId, projectId, randomSha, timestamp, userId } from './ids.js';
import type { StatusState } from './schemas/commit-statuses.js';
import type { AccessLevel } from './schemas/members.js';
import type { DetailedMergeStatus } from './schemas/merge-requests.js';

/** A changed file as a test describes it (the same shape as the fake GitHub's and git-origin's). */
export interface FileChange {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  previous_filename?: string;
}

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  state: 'active' | 'blocked';
  bot: boolean;
  createdAt: string;
}

export interface ProjectRecord {
  id: number;
  /** Full path, e.g. `acme/infra` or `acme/platform/infra`. */
  path: string;
  namespace: string;
  name: string;
  cloneUrl: string;
  defaultBranch: string;
  onlyAllowMergeIfPipelineSucceeds: boolean;
  /** Whether authors may approve their own merge requests (GitLab's default: no). */
  authorApproval: boolean;
  createdAt: string;
}

export interface MergeRequestRecord {
  project: ProjectRecord;
  iid: number;
  id: number;
  title: string;
  author: UserRecord;
  draft: boolean;
  state: 'opened' | 'closed' | 'merged';
  sourceBranch: string;
  targetBranch: string;
  /** The project the source branch lives in: a fork's id, or the target project's. */
  sourceProjectId: number;
  headSha: string;
  baseSha: string;
  files: FileChange[];
  /** Oldest first. */
  versions: VersionRecord[];
  approvalsRequired: number;
  /** Forces `detailed_merge_status` (e.g. `conflict`) until cleared with null. */
  mergeStatus: DetailedMergeStatus | null;
  /** Reads left that answer `checking`, as GitLab does while it recomputes mergeability. */
  checkingReads: number;
  mergeCommitSha: string | null;
  mergedBy: UserRecord | null;
  closedBy: UserRecord | null;
  createdAt: string;
  updatedAt: string;
  mergedAt: string | null;
  closedAt: string | null;
}

/** A diff version: GitLab adds one each time the MR's head moves. */
export interface VersionRecord {
  id: number;
  headSha: string;
  baseSha: string;
  createdAt: string;
}

export interface NoteRecord {
  id: number;
  mr: MergeRequestRecord;
  author: UserRecord;
  body: string;
  system: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface StatusRecord {
  id: number;
  project: ProjectRecord;
  sha: string;
  ref: string | null;
  name: string;
  status: StatusState | 'created';
  description: string | null;
  targetUrl: string | null;
  author: UserRecord;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  allowFailure: boolean;
}

/** A branch's head as the last push left it; the fake knows no commit contents, parents or authors. */
export interface BranchRecord {
  name: string;
  sha: string;
  pushedAt: string;
}

export interface ApprovalRecord {
  mr: MergeRequestRecord;
  user: UserRecord;
  approvedAt: string;
}

export interface AwardRecord {
  id: number;
  note: NoteRecord;
  name: string;
  user: UserRecord;
  createdAt: string;
}

export interface MergeRecord {
  project: string;
  iid: number;
  sha: string;
}

export interface AddProjectOptions {
  path: string;
  cloneUrl: string;
  defaultBranch?: string;
  onlyAllowMergeIfPipelineSucceeds?: boolean;
  authorApproval?: boolean;
}

export interface AddMergeRequestOptions {
  project: string;
  iid?: number;
  sourceBranch: string;
  targetBranch?: string;
  headSha: string;
  baseSha: string;
  author: string;
  title?: string;
  draft?: boolean;
  files: FileChange[];
  approvalsRequired?: number;
  /** The id of the fork the source branch lives in; the target project when omitted. */
  sourceProjectId?: number;
}

export interface UpdateMergeRequestOptions {
  project: string;
  iid: number;
  headSha?: string;
  baseSha?: string;
  files?: FileChange[];
  title?: string;
  draft?: boolean;
  /** `merged` merges with `mergeCommitSha` (random when omitted). */
  state?: 'opened' | 'closed' | 'merged';
  mergeCommitSha?: string;
  approvalsRequired?: number;
  mergeStatus?: DetailedMergeStatus | null;
  checkingReads?: number;
}

const UNFINISHED = new Set(['created', 'pending', 'running']);

/** Paths and usernames compare case-insensitively on GitLab; refs and file paths do not. */
const key = (...parts: Array<string | number>) => parts.join('\u0000').toLowerCase();

/** Everything the fake GitLab knows, in memory. */
export class FakeGitLabState {
  readonly #users = new Map<string, UserRecord>();
  readonly #projects = new Map<string, ProjectRecord>();
  readonly #mrs = new Map<string, MergeRequestRecord>();
  readonly #notes = new Map<number, NoteRecord>();
  readonly #statuses: StatusRecord[] = [];
  readonly #approvals: ApprovalRecord[] = [];
  readonly #members = new Map<string, AccessLevel>();
  /** Group memberships by group full path (lower case) and user id. */
  readonly #groupMembers = new Map<string, AccessLevel>();
  readonly #tokens = new Map<string, UserRecord>();
  readonly #branches = new Map<ProjectRecord, Map<string, BranchRecord>>();
  readonly awards: AwardRecord[] = [];
  readonly merges: MergeRecord[] = [];
  #lastId = 1_000;

  nextId(): number {
    this.#lastId += 1;
    return this.#lastId;
  }

  /** The user with that name, created on first mention. */
  user(username: string, options: { bot?: boolean } = {}): UserRecord {
    let user = this.#users.get(key(username));
    if (!user) {
      user = {
        id: userId(username),
        username,
        name: username,
        state: 'active',
        bot: options.bot ?? false,
        createdAt: timestamp(),
      };
      this.#users.set(key(username), user);
    }
    return user;
  }

  allUsers(): UserRecord[] {
    return [...this.#users.values()];
  }

  findUser(username: string): UserRecord | undefined {
    return this.#users.get(key(username));
  }

  issueToken(token: string, user: UserRecord): void {
    this.#tokens.set(token, user);
  }

  tokenUser(token: string): UserRecord | undefined {
    return this.#tokens.get(token);
  }

  addProject(options: AddProjectOptions): ProjectRecord {
    const slash = options.path.lastIndexOf('/');
    if (slash < 1) throw new Error(`fake GitLab: a project path has a namespace: ${options.path}`);
    const project: ProjectRecord = {
      id: projectId(options.path),
      path: options.path,
      namespace: options.path.slice(0, slash),
      name: options.path.slice(slash + 1),
      cloneUrl: options.cloneUrl,
      defaultBranch: options.defaultBranch ?? 'main',
      onlyAllowMergeIfPipelineSucceeds: options.onlyAllowMergeIfPipelineSucceeds ?? false,
      authorApproval: options.authorApproval ?? false,
      createdAt: timestamp(),
    };
    this.#projects.set(key(options.path), project);
    return project;
  }

  /** By numeric id or full path, as the API's `:id` takes it. */
  project(idOrPath: string | number): ProjectRecord | undefined {
    const text = String(idOrPath);
    if (/^\d+$/.test(text)) return [...this.#projects.values()].find((p) => p.id === Number(text));
    return this.#projects.get(key(text));
  }

  requireProject(path: string): ProjectRecord {
    const project = this.project(path);
    if (!project) throw new Error(`fake GitLab: add the project ${path} first`);
    return project;
  }

  /** Points branch `name` at commit `sha`, as a push does. Branch names are case-sensitive. */
  setBranch(project: ProjectRecord, name: string, sha: string): void {
    const branches = this.#branches.get(project) ?? new Map<string, BranchRecord>();
    branches.set(name, { name, sha, pushedAt: timestamp() });
    this.#branches.set(project, branches);
  }

  branch(project: ProjectRecord, name: string): BranchRecord | undefined {
    return this.#branches.get(project)?.get(name);
  }

  addMergeRequest(options: AddMergeRequestOptions): MergeRequestRecord {
    const project = this.requireProject(options.project);
    const taken = [...this.#mrs.values()].filter((m) => m.project === project).map((m) => m.iid);
    const iid = options.iid ?? Math.max(0, ...taken) + 1;
    const now = timestamp();
    const mr: MergeRequestRecord = {
      project,
      iid,
      id: mergeRequestId(project.path, iid),
      title: options.title ?? `Change !${iid}`,
      author: this.user(options.author),
      draft: options.draft ?? false,
      state: 'opened',
      sourceBranch: options.sourceBranch,
      targetBranch: options.targetBranch ?? project.defaultBranch,
      sourceProjectId: options.sourceProjectId ?? project.id,
      headSha: options.headSha,
      baseSha: options.baseSha,
      files: options.files.map((f) => ({ ...f })),
      versions: [{ id: this.nextId(), headSha: options.headSha, baseSha: options.baseSha, createdAt: now }],
      approvalsRequired: options.approvalsRequired ?? 0,
      mergeStatus: null,
      checkingReads: 0,
      mergeCommitSha: null,
      mergedBy: null,
      closedBy: null,
      createdAt: now,
      updatedAt: now,
      mergedAt: null,
      closedAt: null,
    };
    this.#mrs.set(key(project.path, iid), mr);
    return mr;
  }

  updateMergeRequest(options: UpdateMergeRequestOptions): MergeRequestRecord {
    const mr = this.requireMergeRequest(options.project, options.iid);
    const moved = (options.headSha ?? mr.headSha) !== mr.headSha;
    if (options.headSha) mr.headSha = options.headSha;
    if (options.baseSha) mr.baseSha = options.baseSha;
    if (moved) {
      mr.versions.push({
        id: this.nextId(),
        headSha: mr.headSha,
        baseSha: mr.baseSha,
        createdAt: timestamp(),
      });
    }
    if (options.files) mr.files = options.files.map((f) => ({ ...f }));
    if (options.title !== undefined) mr.title = options.title;
    if (options.draft !== undefined) mr.draft = options.draft;
    if (options.approvalsRequired !== undefined) mr.approvalsRequired = options.approvalsRequired;
    if (options.mergeStatus !== undefined) mr.mergeStatus = options.mergeStatus;
    if (options.checkingReads !== undefined) mr.checkingReads = options.checkingReads;
    if (options.state === 'merged') this.merge(mr, mr.author, options.mergeCommitSha);
    else if (options.state) {
      mr.state = options.state;
      mr.closedAt = options.state === 'closed' ? timestamp() : null;
      mr.closedBy = options.state === 'closed' ? mr.author : null;
    }
    mr.updatedAt = timestamp();
    return mr;
  }

  merge(mr: MergeRequestRecord, by: UserRecord, mergeCommitSha = randomSha()): void {
    const now = timestamp();
    Object.assign(mr, { state: 'merged', mergeCommitSha, mergedBy: by, mergedAt: now, updatedAt: now });
    this.merges.push({ project: mr.project.path, iid: mr.iid, sha: mr.headSha });
  }

  mergeRequest(idOrPath: string | number, iid: number): MergeRequestRecord | undefined {
    const project = this.project(idOrPath);
    return project && this.#mrs.get(key(project.path, iid));
  }

  requireMergeRequest(path: string, iid: number): MergeRequestRecord {
    const mr = this.mergeRequest(path, iid);
    if (!mr) throw new Error(`fake GitLab: add merge request ${path}!${iid} first`);
    return mr;
  }

  addNote(mr: MergeRequestRecord, author: UserRecord, body: string, system = false): NoteRecord {
    const now = timestamp();
    const note = { id: this.nextId(), mr, author, body, system, createdAt: now, updatedAt: now };
    this.#notes.set(note.id, note);
    return note;
  }

  note(mr: MergeRequestRecord, id: number): NoteRecord | undefined {
    const note = this.#notes.get(id);
    return note?.mr === mr ? note : undefined;
  }

  deleteNote(id: number): void {
    this.#notes.delete(id);
  }

  /** A merge request's notes, oldest first. */
  notes(mr: MergeRequestRecord): NoteRecord[] {
    return [...this.#notes.values()].filter((n) => n.mr === mr);
  }

  addApproval(mr: MergeRequestRecord, user: UserRecord): void {
    if (!this.#approvals.some((a) => a.mr === mr && a.user === user)) {
      this.#approvals.push({ mr, user, approvedAt: timestamp() });
    }
  }

  removeApproval(mr: MergeRequestRecord, user: UserRecord): void {
    const index = this.#approvals.findIndex((a) => a.mr === mr && a.user === user);
    if (index >= 0) this.#approvals.splice(index, 1);
  }

  approvals(mr: MergeRequestRecord): ApprovalRecord[] {
    return this.#approvals.filter((a) => a.mr === mr);
  }

  setMemberAccess(project: ProjectRecord, user: UserRecord, level: AccessLevel): void {
    if (level === 0) this.#members.delete(key(project.id, user.id));
    else this.#members.set(key(project.id, user.id), level);
  }

  memberAccess(project: ProjectRecord, user: UserRecord): AccessLevel | undefined {
    return this.#members.get(key(project.id, user.id));
  }

  setGroupAccess(group: string, user: UserRecord, level: AccessLevel): void {
    if (level === 0) this.#groupMembers.delete(key(group.toLowerCase(), user.id));
    else this.#groupMembers.set(key(group.toLowerCase(), user.id), level);
  }

  /** Direct or inherited: membership of a parent group counts for its subgroups. */
  groupAccess(group: string, user: UserRecord): AccessLevel | undefined {
    const parts = group.toLowerCase().split('/');
    for (let n = parts.length; n > 0; n--) {
      const level = this.#groupMembers.get(key(parts.slice(0, n).join('/'), user.id));
      if (level !== undefined) return level;
    }
    return undefined;
  }

  addStatus(status: Omit<StatusRecord, 'id'>): StatusRecord {
    const record = { id: this.nextId(), ...status };
    this.#statuses.push(record);
    return record;
  }

  /** Every status set on a commit, in creation order. */
  statuses(project: ProjectRecord, sha: string): StatusRecord[] {
    return this.#statuses.filter((s) => s.project === project && s.sha === sha);
  }

  /** The newest status per name. */
  latestStatuses(project: ProjectRecord, sha: string): StatusRecord[] {
    const latest = new Map<string, StatusRecord>();
    for (const status of this.statuses(project, sha)) latest.set(status.name, status);
    return [...latest.values()];
  }

  /** The branch GitLab files a commit status under: an MR's source branch with that head, else the default. */
  branchOf(project: ProjectRecord, sha: string): string {
    const mr = [...this.#mrs.values()].find((m) => m.project === project && m.headSha === sha);
    return mr?.sourceBranch ?? project.defaultBranch;
  }

  /** The unfinished status GitLab would update for this name and ref (created, pending or running). */
  unfinishedStatus(
    project: ProjectRecord,
    sha: string,
    name: string,
    ref: string | null,
  ): StatusRecord | undefined {
    return this.statuses(project, sha).find(
      (s) => s.name === name && s.ref === ref && UNFINISHED.has(s.status),
    );
  }
}
