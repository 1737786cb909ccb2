import type { z } from 'zod';
import { GitLabError, notFound } from './gitlab-error.js';
import { timestamp } from './ids.js';
import { countedApprovers, detailedMergeStatus } from './mergeability.js';
import {
  approvals,
  awardEmoji,
  branch,
  commitStatus,
  currentUser,
  diff,
  diffVersion,
  groupMember,
  member,
  mergeRequest,
  note,
  project,
  type Urls,
  userBasic,
} from './representations.js';
import { getApprovals } from './schemas/approvals.js';
import { awardNoteEmoji } from './schemas/award-emoji.js';
import { getBranch } from './schemas/branches.js';
import { createStatus, listStatuses, type StatusState } from './schemas/commit-statuses.js';
import type { OperationSpec } from './schemas/common.js';
import { getGroupMember, getMember } from './schemas/members.js';
import { getMergeRequest, listDiffs, listVersions, mergeMergeRequest } from './schemas/merge-requests.js';
import { createNote, deleteNote, editNote, listNotes, MAX_NOTE_LENGTH } from './schemas/notes.js';
import { getProject } from './schemas/projects.js';
import { getCurrentUser, listUsers } from './schemas/users.js';
import type { FakeGitLabState, MergeRequestRecord, NoteRecord, ProjectRecord, UserRecord } from './state.js';

/** A request that passed authentication and validation; values are already parsed. */
export interface HandlerContext<P = unknown, Q = unknown, B = unknown> {
  state: FakeGitLabState;
  urls: Urls;
  /** The user the token belongs to. */
  user: UserRecord;
  params: P;
  query: Q;
  body: B;
}

export interface HandlerResult<R = unknown> {
  body: R;
  headers?: Record<string, string>;
}

export interface Route {
  spec: OperationSpec;
  handle(ctx: HandlerContext): HandlerResult;
}

function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  spec: OperationSpec<P, Q, B, R>,
  handle: (ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>) => HandlerResult<z.input<R>>,
): Route {
  return { spec, handle: handle as Route['handle'] };
}

/** Emoji names the fake knows (GitLab validates names against its emoji list). */
const EMOJI = new Set([
  'thumbsup',
  'thumbsdown',
  'eyes',
  'confused',
  'rocket',
  'tada',
  'heart',
  'smile',
  'white_check_mark',
  'x',
  'hourglass',
  'warning',
]);

function projectOf(state: FakeGitLabState, id: string): ProjectRecord {
  const found = state.project(id);
  if (!found) throw notFound('Project');
  return found;
}

function mrOf(state: FakeGitLabState, params: { id: string; merge_request_iid: number }): MergeRequestRecord {
  const mr = state.mergeRequest(projectOf(state, params.id).path, params.merge_request_iid);
  if (!mr) throw notFound('Merge Request');
  return mr;
}

function noteOf(
  state: FakeGitLabState,
  params: { id: string; merge_request_iid: number; note_id: number },
): NoteRecord {
  const found = state.note(mrOf(state, params), params.note_id);
  if (!found) throw notFound('Note');
  return found;
}

function checkNoteLength(body: string): void {
  if ([...body].length > MAX_NOTE_LENGTH) {
    throw new GitLabError(400, `Note {:note=>["is too long (maximum is ${MAX_NOTE_LENGTH} characters)"]}`, {
      violation: true,
    });
  }
}

/**
 * GitLab's commit status state machine (CommitStatus): the API finds the unfinished status of the same
 * name and ref, or starts a new one in `created`, then fires the event for the requested state.
 */
const TRANSITIONS: Record<StatusState, { event: string; from: string[] }> = {
  pending: { event: 'enqueue', from: ['created', 'skipped', 'manual', 'scheduled'] },
  running: { event: 'run', from: ['created', 'pending'] },
  success: { event: 'success', from: ['created', 'pending', 'running'] },
  failed: { event: 'drop', from: ['created', 'pending', 'running'] },
  canceled: { event: 'cancel', from: ['created', 'pending', 'running'] },
  skipped: { event: 'skip', from: ['created', 'pending'] },
};

export const routes: Route[] = [
  route(getCurrentUser, (ctx) => ({ body: currentUser(ctx.urls, ctx.user) })),

  route(listUsers, (ctx) => {
    const { username, search } = ctx.query;
    const found = username
      ? [ctx.state.findUser(username)].filter((u): u is UserRecord => u !== undefined)
      : ctx.state.allUsers().filter((u) => !search || u.username.includes(search));
    return { body: found.map((u) => userBasic(ctx.urls, u)) };
  }),

  route(getProject, (ctx) => {
    const found = projectOf(ctx.state, ctx.params.id);
    return { body: project(ctx.urls, found, ctx.state.memberAccess(found, ctx.user)) };
  }),

  route(getBranch, (ctx) => {
    const found = projectOf(ctx.state, ctx.params.id);
    const head = ctx.state.branch(found, ctx.params.branch);
    if (!head) throw notFound('Branch');
    return { body: branch(ctx.urls, found, head, ctx.state.memberAccess(found, ctx.user)) };
  }),

  route(getMember, (ctx) => {
    const found = projectOf(ctx.state, ctx.params.id);
    const user = ctx.state.allUsers().find((u) => u.id === ctx.params.user_id);
    const level = user && ctx.state.memberAccess(found, user);
    if (!user || level === undefined) throw new GitLabError(404, '404 Not found');
    return { body: member(ctx.urls, user, level, found) };
  }),

  route(getGroupMember, (ctx) => {
    const user = ctx.state.allUsers().find((u) => u.id === ctx.params.user_id);
    const level = user && ctx.state.groupAccess(ctx.params.id, user);
    if (!user || level === undefined) throw new GitLabError(404, '404 Not found');
    return { body: groupMember(ctx.urls, user, level) };
  }),

  route(getMergeRequest, (ctx) => {
    const mr = mrOf(ctx.state, ctx.params);
    return { body: mergeRequest(ctx.urls, mr, detailedMergeStatus(ctx.state, mr, { read: true })) };
  }),

  route(listDiffs, (ctx) => ({ body: mrOf(ctx.state, ctx.params).files.map(diff) })),

  route(listVersions, (ctx) => {
    const mr = mrOf(ctx.state, ctx.params);
    return { body: [...mr.versions].reverse().map((v) => diffVersion(mr, v)) };
  }),

  route(mergeMergeRequest, (ctx) => {
    const mr = mrOf(ctx.state, ctx.params);
    if (mr.state !== 'opened' || mr.draft) throw new GitLabError(405, '405 Method Not Allowed');
    if (ctx.body.sha && ctx.body.sha !== mr.headSha) {
      throw new GitLabError(409, `SHA does not match HEAD of source branch: ${mr.headSha}`);
    }
    const status = detailedMergeStatus(ctx.state, mr, { read: false });
    if (status !== 'mergeable') throw new GitLabError(405, '405 Method Not Allowed');
    ctx.state.merge(mr, ctx.user);
    return { body: mergeRequest(ctx.urls, mr, 'not_open') };
  }),

  route(getApprovals, (ctx) => {
    const mr = mrOf(ctx.state, ctx.params);
    const approvers = ctx.state.approvals(mr);
    const counted = countedApprovers(ctx.state, mr).length;
    const status = detailedMergeStatus(ctx.state, mr, { read: false });
    return { body: approvals(ctx.urls, mr, approvers, counted, status) };
  }),

  route(listNotes, (ctx) => {
    const mr = mrOf(ctx.state, ctx.params);
    const field = ctx.query.order_by === 'updated_at' ? 'updatedAt' : 'createdAt';
    const direction = ctx.query.sort === 'asc' ? 1 : -1;
    const notes = [...ctx.state.notes(mr)].sort(
      (a, b) => direction * (a[field].localeCompare(b[field]) || a.id - b.id),
    );
    return { body: notes.map((n) => note(n)) };
  }),

  route(createNote, (ctx) => {
    const mr = mrOf(ctx.state, ctx.params);
    checkNoteLength(ctx.body.body);
    return { body: note(ctx.state.addNote(mr, ctx.user, ctx.body.body)) };
  }),

  route(editNote, (ctx) => {
    const found = noteOf(ctx.state, ctx.params);
    if (found.author !== ctx.user) throw new GitLabError(403, '403 Forbidden', { violation: true });
    checkNoteLength(ctx.body.body);
    found.body = ctx.body.body;
    found.updatedAt = timestamp();
    return { body: note(found) };
  }),

  route(deleteNote, (ctx) => {
    const found = noteOf(ctx.state, ctx.params);
    if (found.author !== ctx.user) throw new GitLabError(403, '403 Forbidden', { violation: true });
    ctx.state.deleteNote(found.id);
    return { body: undefined };
  }),

  route(awardNoteEmoji, (ctx) => {
    const found = noteOf(ctx.state, ctx.params);
    const { name } = ctx.body;
    if (!EMOJI.has(name)) {
      throw new GitLabError(404, `404 Award Emoji Name is not a valid emoji name: ${name}`, {
        violation: true,
      });
    }
    if (ctx.state.awards.some((a) => a.note === found && a.name === name && a.user === ctx.user)) {
      throw new GitLabError(404, '404 Award Emoji Name has already been taken');
    }
    const award = { id: ctx.state.nextId(), note: found, name, user: ctx.user, createdAt: timestamp() };
    ctx.state.awards.push(award);
    return { body: awardEmoji(ctx.urls, award) };
  }),

  route(createStatus, (ctx) => {
    const found = projectOf(ctx.state, ctx.params.id);
    const { sha } = ctx.params;
    const { state: wanted, description, target_url } = ctx.body;
    const name = ctx.body.name ?? ctx.body.context ?? 'default';
    const ref = ctx.body.ref ?? ctx.state.branchOf(found, sha);
    const existing = ctx.state.unfinishedStatus(found, sha, name, ref);
    const from = existing?.status ?? 'created';
    const transition = TRANSITIONS[wanted];
    if (!transition.from.includes(from)) {
      throw new GitLabError(
        400,
        `Cannot transition status via :${transition.event} from :${from} (Reason(s): Status cannot transition via "${transition.event}")`,
      );
    }
    const now = timestamp();
    const record =
      existing ??
      ctx.state.addStatus({
        project: found,
        sha,
        ref,
        name,
        status: 'created',
        description: null,
        targetUrl: null,
        author: ctx.user,
        createdAt: now,
        startedAt: null,
        finishedAt: null,
        allowFailure: false,
      });
    record.status = wanted;
    if (description) record.description = description;
    if (target_url) record.targetUrl = target_url;
    if (wanted === 'running') record.startedAt = now;
    if (!['pending', 'running'].includes(wanted)) record.finishedAt = now;
    return { body: commitStatus(ctx.urls, record) };
  }),

  route(listStatuses, (ctx) => {
    const found = projectOf(ctx.state, ctx.params.id);
    const { ref, name, all } = ctx.query;
    const statuses = (
      all ? ctx.state.statuses(found, ctx.params.sha) : ctx.state.latestStatuses(found, ctx.params.sha)
    ).filter((s) => (!ref || s.ref === ref) && (!name || s.name === name));
    return { body: statuses.map((s) => commitStatus(ctx.urls, s)) };
  }),
];
