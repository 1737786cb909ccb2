import {
  Branches,
  Commits,
  GroupMembers,
  MergeRequestApprovals,
  MergeRequestNoteAwardEmojis,
  MergeRequestNotes,
  MergeRequests,
  ProjectMembers,
  Projects,
  Users,
} from '@gitbeaker/rest';
import { z } from 'zod';
import { SluiceError } from '../../errors.js';
import type {
  Approval,
  BranchHead,
  ChangedFile,
  CloneAccess,
  Comment,
  CommitState,
  CommitStatus,
  Forge,
  ForgeCapabilities,
  Mergeability,
  Permission,
  PullRequest,
  PullRequestRef,
  Reaction,
  RepoRef,
} from '../types.js';
import {
  ApprovalsSchema,
  BranchSchema,
  CommitStatusSchema,
  DiffSchema,
  type DiffVersionData,
  DiffVersionSchema,
  MemberSchema,
  type MergeRequestData,
  MergeRequestSchema,
  NoteSchema,
  ProjectSchema,
  UserSchema,
} from './api-schemas.js';
import { GITLAB } from './map-webhook.js';
import { mergeabilityOf, PIPELINE_STATUSES } from './merge-status.js';

/** GitLab's limit for note bodies, in characters (https://docs.gitlab.com/api/notes/). */
const MAX_COMMENT_LENGTH = 1_000_000;
/** GitLab's limit for a commit status's description and target URL, in characters. */
const MAX_STATUS_FIELD = 255;
const PER_PAGE = 100;
/** The statuses endpoint is paginated like every list, though gitbeaker's types omit it there. */
const STATUS_PAGE = { perPage: PER_PAGE } as Parameters<Commits['allStatuses']>[2];
/** Versions are paginated too (gitbeaker's types omit it again). */
const VERSION_PAGE = { perPage: PER_PAGE } as Parameters<MergeRequests['allDiffVersions']>[2];

/** Our commit states in GitLab's vocabulary (pending, running, success, failed, canceled). */
const STATUS_STATE: Record<CommitState, 'pending' | 'success' | 'failed'> = {
  pending: 'pending',
  success: 'success',
  failure: 'failed',
  error: 'failed',
};

/** Award emoji names (without colons) for each reaction. */
const EMOJI: Record<Reaction, string> = { seen: 'eyes', refused: 'confused' };

/** `detailed_merge_status` values GitLab is still computing; the MR is read again after a pause. */
const UNSETTLED = new Set(['checking', 'unchecked', 'preparing', 'approvals_syncing']);

/**
 * GitLab roles by access level (https://docs.gitlab.com/api/members/#roles). Maintainers (40) manage
 * protected branches, webhooks and members, which is what GitHub's admin can do, so 40 and up is
 * `admin`; Developers (30) push, so `write`; Guest, Planner and Reporter (10–20) `read`; Minimal access
 * (5) and none `none`.
 */
export function permissionOf(accessLevel: number): Permission {
  if (accessLevel >= 40) return 'admin';
  if (accessLevel >= 30) return 'write';
  if (accessLevel >= 10) return 'read';
  return 'none';
}

/** What a failed GitLab call said, kept on SluiceError's `cause` (never the request: it holds the token). */
export interface GitlabFailure {
  status?: number;
  message: string;
}

export function gitlabFailure(error: unknown): GitlabFailure | undefined {
  const cause = error instanceof SluiceError ? error.cause : undefined;
  return cause && typeof cause === 'object' && 'message' in cause ? (cause as GitlabFailure) : undefined;
}

function describe(error: unknown): GitlabFailure {
  const cause = (error as { cause?: { description?: unknown; response?: { status?: unknown } } }).cause;
  const status = typeof cause?.response?.status === 'number' ? cause.response.status : undefined;
  const message = typeof cause?.description === 'string' ? cause.description : (error as Error).message;
  return { status, message };
}

function parse<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const where = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new SluiceError(
    'FORGE_REQUEST_FAILED',
    `GitLab answered ${what} in a shape Sluice does not know: ${where.join('; ')}`,
  );
}

function noteId(id: string): number {
  if (!/^\d+$/.test(id)) throw new SluiceError('JOB_INVALID', `not a GitLab note id: ${id}`);
  return Number(id);
}

function createApi(config: { host: string; token: string; queryTimeout: number }) {
  return {
    mergeRequests: new MergeRequests(config),
    notes: new MergeRequestNotes(config),
    noteEmoji: new MergeRequestNoteAwardEmojis(config),
    approvals: new MergeRequestApprovals(config),
    commits: new Commits(config),
    members: new ProjectMembers(config),
    groupMembers: new GroupMembers(config),
    users: new Users(config),
    projects: new Projects(config),
    branches: new Branches(config),
  };
}
type Api = ReturnType<typeof createApi>;

export interface GitLabForgeOptions {
  /** The instance, e.g. https://gitlab.com or https://gitlab.example.com/gitlab (no /api/v4). */
  url: string;
  token: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Pauses before reading an MR again while GitLab is still computing its merge status. */
  settleDelaysMs?: number[];
}

/**
 * The GitLab adapter: REST API v4 through gitbeaker, authenticated with one token (personal, group or
 * project access token with the `api` scope). Merge requests are pull requests, notes are comments,
 * commit statuses carry our contexts as their `name`.
 */
export class GitLabForge implements Forge {
  readonly kind = GITLAB;
  readonly capabilities: ForgeCapabilities = {
    maxCommentLength: MAX_COMMENT_LENGTH,
    mermaid: true,
    changeRequest: { noun: 'merge request', short: 'MR', prefix: '!' },
  };
  readonly #token: string;
  readonly #url: string;
  readonly #settleDelaysMs: number[];
  readonly #api: Api;
  #botUserId: Promise<number> | undefined;

  constructor(options: GitLabForgeOptions) {
    this.#url = options.url.replace(/\/+$/, '');
    this.#token = options.token;
    this.#settleDelaysMs = options.settleDelaysMs ?? [500, 1000, 2000];
    this.#api = createApi({
      host: this.#url,
      token: options.token,
      queryTimeout: options.timeoutMs ?? 60_000,
    });
  }

  async #call<T>(repo: RepoRef | undefined, what: string, fn: (api: Api) => Promise<T>): Promise<T> {
    try {
      return await fn(this.#api);
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      const failure = describe(error);
      throw new SluiceError(
        'FORGE_REQUEST_FAILED',
        `GitLab refused to ${what}${repo ? ` on ${repo.fullName}` : ''}${failure.status ? ` (HTTP ${failure.status})` : ''}: ${failure.message}`,
        { cause: failure },
      );
    }
  }

  /** The id of the user the token belongs to, looked up once (again after a failure). */
  botUserId(): Promise<number> {
    this.#botUserId ??= this.#call(undefined, 'say who the token belongs to', async (api) =>
      parse(UserSchema, await api.users.showCurrentUser(), 'the current user'),
    ).then((user) => user.id);
    this.#botUserId.catch(() => {
      this.#botUserId = undefined;
    });
    return this.#botUserId;
  }

  #mergeRequest(pr: PullRequestRef): Promise<MergeRequestData> {
    return this.#call(pr.repo, `read merge request !${pr.number}`, async (api) =>
      parse(MergeRequestSchema, await api.mergeRequests.show(pr.repo.id, pr.number), 'a merge request'),
    );
  }

  async getPullRequest(pr: PullRequestRef): Promise<PullRequest> {
    const mr = await this.#mergeRequest(pr);
    return {
      ref: pr,
      title: mr.title,
      author: mr.author.username,
      url: mr.web_url,
      // `locked` is GitLab's short state while a merge is under way.
      state: mr.state === 'merged' ? 'merged' : mr.state === 'closed' ? 'closed' : 'open',
      draft: mr.draft ?? mr.work_in_progress ?? false,
      fromFork: mr.source_project_id !== mr.target_project_id,
      headSha: mr.sha ?? mr.diff_refs?.head_sha ?? '',
      headBranch: mr.source_branch,
      // Empty only for an MR GitLab has not finished preparing (diff_refs fills in asynchronously).
      baseSha: mr.diff_refs?.base_sha ?? '',
      baseBranch: mr.target_branch,
      mergeCommitSha: mr.merge_commit_sha ?? mr.squash_commit_sha ?? undefined,
    };
  }

  getDefaultBranch(repo: RepoRef): Promise<BranchHead> {
    return this.#call(repo, 'read the default branch', async (api) => {
      const name = parse(ProjectSchema, await api.projects.show(repo.id), 'a project').default_branch;
      // Only an empty repository has none, and it has no merge requests either.
      if (!name) throw new SluiceError('FORGE_REQUEST_FAILED', `${repo.fullName} has no default branch`);
      const branch = parse(BranchSchema, await api.branches.show(repo.id, name), 'a branch');
      return { name, sha: branch.commit.id };
    });
  }

  listChangedFiles(pr: PullRequestRef): Promise<ChangedFile[]> {
    return this.#call(pr.repo, `list the changes of !${pr.number}`, async (api) => {
      const diffs = await api.mergeRequests.allDiffs(pr.repo.id, pr.number, { perPage: PER_PAGE });
      return parse(z.array(DiffSchema), diffs, 'merge request diffs').map((diff): ChangedFile => {
        if (diff.new_file) return { path: diff.new_path, status: 'added' };
        if (diff.deleted_file) return { path: diff.old_path, status: 'removed' };
        if (diff.renamed_file) return { path: diff.new_path, status: 'renamed', previousPath: diff.old_path };
        return { path: diff.new_path, status: 'modified' };
      });
    });
  }

  findComments(pr: PullRequestRef, marker: string): Promise<Comment[]> {
    return this.#call(pr.repo, `list the notes of !${pr.number}`, async (api) => {
      const notes = await api.notes.all(pr.repo.id, pr.number, {
        sort: 'asc',
        orderBy: 'created_at',
        perPage: PER_PAGE,
      });
      return parse(z.array(NoteSchema), notes, 'merge request notes')
        .filter((note) => !note.system && note.body.includes(marker))
        .map((note) => ({ id: String(note.id), body: note.body, author: note.author.username }));
    });
  }

  createComment(pr: PullRequestRef, body: string): Promise<string> {
    return this.#call(pr.repo, `add a note to !${pr.number}`, async (api) => {
      const note = parse(NoteSchema, await api.notes.create(pr.repo.id, pr.number, body), 'a new note');
      return String(note.id);
    });
  }

  async updateComment(pr: PullRequestRef, id: string, body: string): Promise<void> {
    await this.#call(pr.repo, `edit note ${id} of !${pr.number}`, (api) =>
      api.notes.edit(pr.repo.id, pr.number, noteId(id), { body }),
    );
  }

  async deleteComment(pr: PullRequestRef, id: string): Promise<void> {
    try {
      await this.#call(pr.repo, `delete note ${id} of !${pr.number}`, (api) =>
        api.notes.remove(pr.repo.id, pr.number, noteId(id)),
      );
    } catch (error) {
      // Already gone is what was asked for: jobs re-run and delete again.
      if (gitlabFailure(error)?.status !== 404) throw error;
    }
  }

  async setCommitStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void> {
    const post = (state: 'pending' | 'running' | 'success' | 'failed') =>
      this.#call(repo, `set commit status "${status.context}"`, (api) =>
        api.commits.editStatus(repo.id, sha, state, {
          name: status.context,
          description: status.description.slice(0, MAX_STATUS_FIELD),
          ...(status.targetUrl && status.targetUrl.length <= MAX_STATUS_FIELD
            ? { targetUrl: status.targetUrl }
            : {}),
        }),
      );
    const state = STATUS_STATE[status.state];
    try {
      await post(state);
    } catch (error) {
      // GitLab's status state machine refuses pending → pending ("Cannot transition status via :enqueue
      // from :pending"). An unfinished status may still move on to running, which keeps it unfinished and
      // takes the new description; one already running keeps its description until it finishes.
      if (state !== 'pending' || !refusedTransition(error)) throw error;
      await post('running').catch((again: unknown) => {
        if (!refusedTransition(again)) throw again;
      });
    }
  }

  /**
   * Approvals by others than the author, each on the head the MR had when it was given: GitLab keeps
   * approvals across pushes unless the project resets them (a Premium setting), so an approval is
   * placed on the diff version (one per push) current at its `approved_at`. GitLab releases without
   * `approved_at` leave the commit unknown.
   */
  async listApprovals(pr: PullRequestRef): Promise<Approval[]> {
    const mr = await this.#mergeRequest(pr);
    const approvals = await this.#call(pr.repo, `list the approvals of !${pr.number}`, async (api) => {
      const data = await api.approvals.showConfiguration(pr.repo.id, { mergerequestIId: pr.number });
      // GitLab may let authors approve their own MRs; that approval is no review.
      return parse(ApprovalsSchema, data, 'merge request approvals').approved_by.filter(
        ({ user }) => user.id !== mr.author.id,
      );
    });
    const versions = approvals.some((a) => a.approved_at) ? await this.#diffVersions(pr) : [];
    return approvals.map(({ user, approved_at }) => ({
      user: user.username,
      dismissed: false,
      ...(approved_at ? { commitSha: headAt(versions, approved_at), at: approved_at } : {}),
    }));
  }

  #diffVersions(pr: PullRequestRef): Promise<DiffVersionData[]> {
    return this.#call(pr.repo, `list the versions of !${pr.number}`, async (api) =>
      parse(
        z.array(DiffVersionSchema),
        await api.mergeRequests.allDiffVersions(pr.repo.id, pr.number, VERSION_PAGE),
        'merge request versions',
      ),
    );
  }

  getPermission(repo: RepoRef, user: string): Promise<Permission> {
    return this.#call(repo, `read the role of ${user}`, async (api) => {
      const found = parse(z.array(UserSchema), await api.users.all({ username: user }), 'a user lookup').find(
        (u) => u.username.toLowerCase() === user.toLowerCase(),
      );
      if (!found) return 'none';
      let member: z.infer<typeof MemberSchema>;
      try {
        member = parse(
          MemberSchema,
          await api.members.show(repo.id, found.id, { includeInherited: true }),
          'a project member',
        );
      } catch (error) {
        if (describe(error).status === 404) return 'none';
        throw error;
      }
      if (member.state !== undefined && member.state !== 'active') return 'none';
      return permissionOf(member.access_level);
    });
  }

  isTeamMember(repo: RepoRef, team: string, user: string): Promise<boolean> {
    const group = team.includes('/') ? team : `${repo.fullName.split('/')[0]}/${team}`;
    return this.#call(repo, `read the membership of ${user} in group ${group}`, async (api) => {
      const found = parse(z.array(UserSchema), await api.users.all({ username: user }), 'a user lookup').find(
        (u) => u.username.toLowerCase() === user.toLowerCase(),
      );
      if (!found) return false;
      let member: z.infer<typeof MemberSchema>;
      try {
        member = parse(
          MemberSchema,
          await api.groupMembers.show(group, found.id, { includeInherited: true }),
          'a group member',
        );
      } catch (error) {
        if (describe(error).status === 404) return false;
        throw error;
      }
      // Minimal access (5) sees the group but is not really in it.
      return (member.state === undefined || member.state === 'active') && member.access_level >= 10;
    });
  }

  cloneAccess(repo: RepoRef): Promise<CloneAccess> {
    return this.#call(repo, 'read the project', async (api) => {
      const project = parse(ProjectSchema, await api.projects.show(repo.id), 'a project');
      return {
        url: project.http_url_to_repo,
        // GitLab takes any access token as the password of user `oauth2`.
        username: 'oauth2',
        password: this.#token,
        refspecs: ['+refs/merge-requests/*/head:refs/merge-requests/*/head'],
      };
    });
  }

  async react(pr: PullRequestRef, commentId: string, reaction: Reaction): Promise<void> {
    try {
      await this.#call(pr.repo, `react to note ${commentId} of !${pr.number}`, (api) =>
        api.noteEmoji.award(pr.repo.id, pr.number, noteId(commentId), EMOJI[reaction]),
      );
    } catch (error) {
      // GitLab refuses the same emoji from the same user twice; the reaction is there, as asked.
      if (!/already been taken/i.test(gitlabFailure(error)?.message ?? '')) throw error;
    }
  }

  async getMergeability(pr: PullRequestRef, ignore: (context: string) => boolean): Promise<Mergeability> {
    let mr = await this.#mergeRequest(pr);
    for (const delay of this.#settleDelaysMs) {
      if (!UNSETTLED.has(mr.detailed_merge_status ?? 'unchecked')) break;
      await new Promise((resolve) => setTimeout(resolve, delay));
      mr = await this.#mergeRequest(pr);
    }
    const status = mr.detailed_merge_status;
    const sha = mr.sha;
    if (!status || !PIPELINE_STATUSES.has(status) || !sha) {
      return mergeabilityOf(status, { statuses: [], approvalsLeft: 0 }, ignore);
    }
    const [statuses, approvals] = await Promise.all([
      this.#call(pr.repo, `list the checks of ${sha}`, async (api) =>
        parse(
          z.array(CommitStatusSchema),
          await api.commits.allStatuses(pr.repo.id, sha, STATUS_PAGE),
          'commit statuses',
        ),
      ),
      this.#call(pr.repo, `read the approvals of !${pr.number}`, async (api) =>
        parse(
          ApprovalsSchema,
          await api.approvals.showConfiguration(pr.repo.id, { mergerequestIId: pr.number }),
          'merge request approvals',
        ),
      ),
    ]);
    return mergeabilityOf(status, { statuses, approvalsLeft: approvals.approvals_left ?? 0 }, ignore);
  }

  async merge(pr: PullRequestRef, sha: string): Promise<void> {
    await this.#call(pr.repo, `merge !${pr.number} at ${sha}`, (api) =>
      api.mergeRequests.merge(pr.repo.id, pr.number, { sha }),
    );
  }
}

/**
 * The head of the newest version created at or before `at`: what an approval given then looked at. An
 * approval older than every version (GitLab prepares the first one just after the MR is created) is on
 * the first.
 */
export function headAt(versions: DiffVersionData[], at: string): string {
  const when = Date.parse(at);
  const ordered = [...versions].sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at));
  const seen = ordered.filter((v) => Date.parse(v.created_at) <= when);
  return (seen.at(-1) ?? ordered[0])?.head_commit_sha ?? '';
}

function refusedTransition(error: unknown): boolean {
  const failure = gitlabFailure(error);
  return failure?.status === 400 && /cannot transition status/i.test(failure.message);
}
