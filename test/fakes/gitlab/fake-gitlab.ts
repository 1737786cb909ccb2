import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_PREFIX, createDispatcher } from './dispatch.js';
import type { StatusState } from './schemas/commit-statuses.js';
import type { AccessLevel } from './schemas/members.js';
import {
  type AddMergeRequestOptions,
  type AddProjectOptions,
  FakeGitLabState,
  type MergeRecord,
  type MergeRequestRecord,
  type ProjectRecord,
  type UpdateMergeRequestOptions,
} from './state.js';

/** The user Sluice's token belongs to, the author of everything Sluice posts. */
export const BOT_USERNAME = 'sluice-bot';

export interface CommentView {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
}

export interface StatusView {
  context: string;
  /** GitLab's vocabulary: pending, running, success, failed, canceled, skipped. */
  state: StatusState | 'created';
  description: string | null;
  target_url: string | null;
}

export interface ReactionView {
  noteId: number;
  name: string;
  user: string;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface FakeGitLab {
  /** The instance, e.g. http://127.0.0.1:PORT (GITLAB_URL). */
  url: string;
  /** The REST root: `url` + /api/v4. */
  apiUrl: string;
  /** A personal access token of BOT_USERNAME (GITLAB_TOKEN). */
  token: string;
  botUsername: string;
  botUserId: number;
  /** Every call the fake refused as a caller bug, or could not answer within its schema. */
  violations: string[];
  requests: RequestLogEntry[];
  reactions: readonly ReactionView[];
  merges: readonly MergeRecord[];
  addProject(options: AddProjectOptions): ProjectRecord;
  addMergeRequest(options: AddMergeRequestOptions): MergeRequestRecord;
  updateMergeRequest(options: UpdateMergeRequestOptions): MergeRequestRecord;
  /** An approval by `user`; the author's only where the project lets authors approve, as on GitLab. */
  addApproval(options: { project: string; iid: number; user: string }): void;
  removeApproval(options: { project: string; iid: number; user: string }): void;
  /** A role on the project by access level (30 Developer, 40 Maintainer…); 0 removes the membership. */
  setMemberAccess(project: string, username: string, level: AccessLevel): void;
  /** A note on an MR as someone else wrote it (a command, or a system note). */
  addNote(options: { project: string; iid: number; author: string; body: string; system?: boolean }): number;
  mergeRequest(project: string, iid: number): MergeRequestRecord | undefined;
  /** Non-system notes on an MR, oldest first. */
  comments(project: string, iid: number): CommentView[];
  /** Every status record on a commit, in creation order (GitLab updates an unfinished one in place). */
  statuses(project: string, sha: string): StatusView[];
  /** The latest status per name (our context). */
  latestStatuses(project: string, sha: string): Map<string, StatusView>;
  /** Throws listing every violation, if there were any (call it in afterEach). */
  assertNoViolations(): void;
  /** Polls until `predicate` holds; throws after `timeoutMs` (default 10 s). */
  waitFor(
    predicate: () => boolean | Promise<boolean>,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a fake GitLab (REST API v4) on a random loopback port. */
export async function startFakeGitLab(): Promise<FakeGitLab> {
  const state = new FakeGitLabState();
  const violations: string[] = [];
  const requests: RequestLogEntry[] = [];
  const urls = { web: '', api: '' };
  const bot = state.user(BOT_USERNAME, { bot: true });
  const token = `glpat-${randomBytes(15).toString('base64url')}`;
  state.issueToken(token, bot);
  const dispatch = createDispatcher({ state, urls });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', urls.web);
    const method = req.method ?? 'GET';
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const answer = dispatch({ method, url, headers: req.headers, body });
    if (answer.violation) violations.push(answer.violation);
    requests.push({ method, path: url.pathname, query: url.search, status: answer.status });
    const payload = answer.body === undefined ? undefined : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...answer.headers,
      ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
    });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  urls.web = `http://127.0.0.1:${port}`;
  urls.api = `${urls.web}${API_PREFIX}`;

  const mrOf = (project: string, iid: number) => state.requireMergeRequest(project, iid);
  const statuses = (project: string, sha: string): StatusView[] =>
    state.statuses(state.requireProject(project), sha).map((s) => ({
      context: s.name,
      state: s.status,
      description: s.description,
      target_url: s.targetUrl,
    }));

  return {
    url: urls.web,
    apiUrl: urls.api,
    token,
    botUsername: bot.username,
    botUserId: bot.id,
    violations,
    requests,
    get reactions() {
      return state.awards.map((a) => ({ noteId: a.note.id, name: a.name, user: a.user.username }));
    },
    get merges() {
      return [...state.merges];
    },
    addProject: (o) => {
      const project = state.addProject(o);
      // The token's user works in every project, as a Developer unless a test says otherwise.
      if (state.memberAccess(project, bot) === undefined) state.setMemberAccess(project, bot, 30);
      return project;
    },
    addMergeRequest: (o) => state.addMergeRequest(o),
    updateMergeRequest: (o) => state.updateMergeRequest(o),
    addApproval({ project, iid, user }) {
      const mr = mrOf(project, iid);
      const approver = state.user(user);
      if (approver === mr.author && !mr.project.authorApproval) {
        throw new Error(`fake GitLab: ${project} does not let authors approve their own merge requests`);
      }
      state.addApproval(mr, approver);
    },
    removeApproval({ project, iid, user }) {
      state.removeApproval(mrOf(project, iid), state.user(user));
    },
    setMemberAccess(project, username, level) {
      state.setMemberAccess(state.requireProject(project), state.user(username), level);
    },
    addNote({ project, iid, author, body, system }) {
      return state.addNote(mrOf(project, iid), state.user(author), body, system ?? false).id;
    },
    mergeRequest: (project, iid) => state.mergeRequest(project, iid),
    comments: (project, iid) =>
      state
        .notes(mrOf(project, iid))
        .filter((n) => !n.system)
        .map((n) => ({
          id: n.id,
          body: n.body,
          user: n.author.username,
          created_at: n.createdAt,
          updated_at: n.updatedAt,
        })),
    statuses,
    latestStatuses: (project, sha) => new Map(statuses(project, sha).map((s) => [s.context, s])),
    assertNoViolations() {
      if (violations.length > 0) {
        throw new Error(`fake GitLab saw ${violations.length} violation(s):\n${violations.join('\n')}`);
      }
    },
    async waitFor(predicate, { timeoutMs = 10_000, intervalMs = 25 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > deadline) {
          const seen = violations.length > 0 ? `; violations so far:\n${violations.join('\n')}` : '';
          throw new Error(`fake GitLab: condition not met within ${timeoutMs} ms${seen}`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
