import { z } from 'zod';
import { SluiceError } from '../../errors.js';
import type { ForgeEvent } from '../events.js';
import type { RepoRef } from '../types.js';

export const GITLAB = 'gitlab';

const ZERO_SHA = /^0{40}$/;
/** Usernames GitLab gives the bot users behind project and group access tokens. */
const ACCESS_TOKEN_BOT = /^(project|group)_\d+_bot(_[0-9a-f]+)?$/;

/**
 * The parts of GitLab's webhook payloads Sluice reads
 * (https://docs.gitlab.com/user/project/integrations/webhook_events/). Objects stay open: GitLab adds
 * fields release by release, and a field Sluice does not read must not make a delivery fail.
 */
const Id = z.int().positive();
const Sha = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'expected a full commit SHA' });
const Project = z.object({ id: Id, path_with_namespace: z.string().min(1) });
const User = z.object({ id: Id, username: z.string().min(1) });

const MergeRequestHook = z.object({
  object_kind: z.literal('merge_request'),
  user: User,
  project: Project,
  object_attributes: z.object({
    iid: Id,
    author_id: Id.nullish(),
    action: z.string().nullish(),
    oldrev: Sha.nullish(),
    updated_at: z.string(),
    draft: z.boolean().nullish(),
    work_in_progress: z.boolean().nullish(),
    merge_commit_sha: Sha.nullish(),
    last_commit: z.object({ id: Sha }).nullish(),
  }),
  changes: z.record(z.string(), z.unknown()).nullish(),
});

const NoteHook = z.object({
  object_kind: z.literal('note'),
  user: User,
  project: Project,
  object_attributes: z.object({
    id: Id,
    // GitLab takes notes of up to 1,000,000 characters (up to twice as many UTF-16 units).
    note: z.string().max(2_000_000, { error: 'longer than GitLab allows a note to be' }),
    noteable_type: z.string(),
    system: z.boolean().nullish(),
    action: z.string().nullish(),
  }),
  merge_request: z.object({ iid: Id }).nullish(),
});

const PushHook = z.object({
  object_kind: z.literal('push'),
  after: Sha,
  ref: z.string(),
  project: Project,
});

export interface MapOptions {
  /** The id of the user Sluice acts as: its own notes are never commands. */
  botUserId?: number;
}

/** Project id, full path and the split of that path into namespace (`owner`) and project path (`name`). */
export function gitlabRepoRef(project: { id: number; path_with_namespace: string }): RepoRef {
  const full = project.path_with_namespace;
  const slash = full.lastIndexOf('/');
  return {
    forge: GITLAB,
    id: String(project.id),
    owner: slash < 0 ? '' : full.slice(0, slash),
    name: full.slice(slash + 1),
    fullName: full,
  };
}

/**
 * GitLab writes webhook timestamps as `2015-05-17 18:21:36 UTC` and API ones as ISO 8601; the store
 * orders deliveries by them, so they leave here as ISO 8601.
 */
export function isoTimestamp(value: string): string {
  const legacy = /^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}(?:\.\d+)?) UTC$/.exec(value);
  const text = legacy ? `${legacy[1]}T${legacy[2]}Z` : value;
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    throw new SluiceError('WEBHOOK_PAYLOAD_MALFORMED', `"${value}" is not a timestamp GitLab would send.`);
  }
  return new Date(at).toISOString();
}

function parse<T>(schema: z.ZodType<T>, name: string, payload: unknown): T {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const where = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new SluiceError(
    'WEBHOOK_PAYLOAD_MALFORMED',
    `the ${name} payload is not shaped like GitLab's: ${where.join('; ')}`,
  );
}

/** A `changes` entry `{ previous, current }` going from true to false: a draft became ready. */
function becameReady(changes: Record<string, unknown> | null | undefined): boolean {
  return ['draft', 'work_in_progress'].some((key) => {
    const change = changes?.[key] as { previous?: unknown; current?: unknown } | undefined;
    return change?.previous === true && change.current === false;
  });
}

function mapMergeRequest(payload: unknown): ForgeEvent | undefined {
  const hook = parse(MergeRequestHook, 'Merge Request Hook', payload);
  const mr = hook.object_attributes;
  const pr = { repo: gitlabRepoRef(hook.project), number: mr.iid };
  const headSha = mr.last_commit?.id;
  const updatedAt = isoTimestamp(mr.updated_at);

  if (mr.action === 'merge' || mr.action === 'close') {
    // An MR closed without ever having a commit was never planned: nothing to release.
    if (!headSha) return undefined;
    return {
      kind: 'pull_request.closed',
      pr,
      merged: mr.action === 'merge',
      headSha,
      mergeSha: mr.action === 'merge' ? (mr.merge_commit_sha ?? undefined) : undefined,
      updatedAt,
    };
  }
  const reason =
    mr.action === 'open'
      ? 'opened'
      : mr.action === 'reopen'
        ? 'reopened'
        : mr.action === 'update' && mr.oldrev
          ? 'pushed'
          : mr.action === 'update' && becameReady(hook.changes)
            ? 'ready'
            : undefined;
  // Approvals, title edits, label changes…: nothing to plan. An MR without commits has no head.
  if (!reason || !headSha) return undefined;
  return {
    kind: 'pull_request.updated',
    pr,
    reason,
    headSha,
    // GitLab's Merge Request Hook names no base commit; workers read it with getPullRequest.
    baseSha: '',
    updatedAt,
    draft: mr.draft ?? mr.work_in_progress ?? false,
    // The hook names the author by id only; `user` is whoever acted, the author when they opened it.
    author: hook.user.id === mr.author_id ? hook.user.username : '',
  };
}

function mapNote(payload: unknown, options: MapOptions): ForgeEvent | undefined {
  const hook = parse(NoteHook, 'Note Hook', payload);
  const note = hook.object_attributes;
  if (note.noteable_type !== 'MergeRequest' || !hook.merge_request) return undefined;
  // Before GitLab 16.11 only new notes were delivered, without an action.
  if ((note.action ?? 'create') !== 'create' || note.system) return undefined;
  if (hook.user.id === options.botUserId || ACCESS_TOKEN_BOT.test(hook.user.username)) return undefined;
  return {
    kind: 'comment.created',
    pr: { repo: gitlabRepoRef(hook.project), number: hook.merge_request.iid },
    commentId: String(note.id),
    author: hook.user.username,
    body: note.note,
  };
}

function mapPush(payload: unknown): ForgeEvent | undefined {
  const hook = parse(PushHook, 'Push Hook', payload);
  if (!ZERO_SHA.test(hook.after) || !hook.ref.startsWith('refs/heads/')) return undefined;
  return { kind: 'branch.deleted', repo: gitlabRepoRef(hook.project), branch: hook.ref.slice(11) };
}

/**
 * Maps a verified GitLab delivery (`X-Gitlab-Event` and its JSON body) to what it means to Sluice;
 * undefined for everything Sluice ignores. Throws WEBHOOK_PAYLOAD_MALFORMED when an event Sluice acts
 * on lacks what GitLab always sends.
 */
export function mapGitlabWebhook(
  name: string,
  payload: unknown,
  options: MapOptions = {},
): ForgeEvent | undefined {
  switch (name) {
    case 'Merge Request Hook':
      return mapMergeRequest(payload);
    case 'Note Hook':
      return mapNote(payload, options);
    case 'Push Hook':
      return mapPush(payload);
    default:
      return undefined;
  }
}
