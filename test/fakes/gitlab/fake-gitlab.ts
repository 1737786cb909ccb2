import { randomBytes } from 'node:crypto';
import type { CommentView } from '../shared/comment-view.js';
import { type FakeServerControls, startFakeServer } from '../shared/fake-server.js';
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

export type { CommentView } from '../shared/comment-view.js';
export type { RequestLogEntry } from '../shared/fake-server.js';

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

export interface FakeGitLab extends FakeServerControls {
  /** The instance, e.g. http://127.0.0.1:PORT (GITLAB_URL). */
  url: string;
  /** The REST root: `url` + /api/v4. */
  apiUrl: string;
  /** A personal access token of BOT_USERNAME (GITLAB_TOKEN). */
  token: string;
  botUsername: string;
  botUserId: number;
  reactions: readonly ReactionView[];
  merges: readonly MergeRecord[];
  addProject(options: AddProjectOptions): ProjectRecord;
  addMergeRequest(options: AddMergeRequestOptions): MergeRequestRecord;
  /** Points a branch at a commit, as a push does (what the Branches API answers). */
  setBranch(project: string, branch: string, sha: string): void;
  updateMergeRequest(options: UpdateMergeRequestOptions): MergeRequestRecord;
  /** An approval by `user`; the author's only where the project lets authors approve, as on GitLab. */
  addApproval(options: { project: string; iid: number; user: string }): void;
  removeApproval(options: { project: string; iid: number; user: string }): void;
  /** A role on the project by access level (30 Developer, 40 Maintainer…); 0 removes the membership. */
  setMemberAccess(project: string, username: string, level: AccessLevel): void;
  /** A role in a group (full path); subgroups inherit it; 0 removes the membership. */
  setGroupAccess(group: string, username: string, level: AccessLevel): void;
  /** A note on an MR as someone else wrote it (a command, or a system note). */
  addNote(options: { project: string; iid: number; author: string; body: string; system?: boolean }): number;
  mergeRequest(project: string, iid: number): MergeRequestRecord | undefined;
  /** Non-system notes on an MR, oldest first. */
  comments(project: string, iid: number): CommentView[];
  /** Every status record on a commit, in creation order (GitLab updates an unfinished one in place). */
  statuses(project: string, sha: string): StatusView[];
  /** The latest status per name (our context). */
  latestStatuses(project: string, sha: string): Map<string, StatusView>;
}

/** Starts a fake GitLab (REST API v4) on a random loopback port. */
export async function startFakeGitLab(): Promise<FakeGitLab> {
  const state = new FakeGitLabState();
  const urls = { web: '', api: '' };
  const bot = state.user(BOT_USERNAME, { bot: true });
  const token = `glpat-${randomBytes(15).toString('base64url')}`;
  state.issueToken(token, bot);
  const dispatch = createDispatcher({ state, urls });

  const server = await startFakeServer({ name: 'fake GitLab', jsonType: 'application/json', dispatch });
  urls.web = server.url;
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
    violations: server.violations,
    requests: server.requests,
    assertNoViolations: server.assertNoViolations,
    waitFor: server.waitFor,
    close: server.close,
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
    setBranch: (project, branch, sha) => state.setBranch(state.requireProject(project), branch, sha),
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
    setGroupAccess(group, username, level) {
      state.setGroupAccess(group, state.user(username), level);
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
  };
}
