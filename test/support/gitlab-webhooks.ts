/**
 * GitLab webhook deliveries as GitLab sends them: the documented example payloads
 * (https://docs.gitlab.com/user/project/integrations/webhook_events/ — "Merge request events",
 * "Comment on a merge request", "Push events"), every documented field kept, pointed at the test's
 * project and merge request; then serialised and authenticated like GitLab does.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { mergeRequestId, projectId, userId } from '../fakes/gitlab/ids.js';

const WEB = 'https://gitlab.example.com';

export type MergeRequestAction =
  | 'open'
  | 'close'
  | 'reopen'
  | 'update'
  | 'approval'
  | 'approved'
  | 'unapproval'
  | 'unapproved'
  | 'merge';

export interface MergeRequestHookOptions {
  /** Full path, e.g. `acme/infra`. */
  project: string;
  iid: number;
  action: MergeRequestAction;
  headSha: string;
  sourceBranch: string;
  targetBranch?: string;
  /** Full path of the project the source branch lives in (a fork, `someone/infra`); `project` unless given. */
  sourceProject?: string;
  /** The MR's author; `actor` (the delivery's `user`) unless given. */
  author?: string;
  /** Who acted; the author unless given. */
  actor?: string;
  title?: string;
  draft?: boolean;
  /** The previous head, sent by GitLab only when commits were pushed (an `update`). */
  oldrev?: string;
  /** `changes` as GitLab reports them, e.g. `{ draft: { previous: true, current: false } }`. */
  changes?: Record<string, unknown>;
  /** Set on `merge`. */
  mergeCommitSha?: string;
  /** Later than every earlier call's unless given. */
  updatedAt?: string;
}

export interface NoteHookOptions {
  project: string;
  iid: number;
  body: string;
  author: string;
  noteId?: number;
  system?: boolean;
  action?: 'create' | 'update';
  /** The MR's source branch and head, for the embedded `merge_request`. */
  sourceBranch?: string;
  /** The MR's target branch; `main` unless given. */
  targetBranch?: string;
  /** Full path of the project the MR's source branch lives in (a fork); `project` unless given. */
  sourceProject?: string;
  headSha?: string;
}

export interface PushHookOptions {
  project: string;
  branch: string;
  before: string;
  /** 40 zeros when the branch was deleted. */
  after: string;
  user?: string;
}

export interface SignedGitlabDelivery {
  headers: Record<string, string>;
  body: Buffer;
}

type Json = Record<string, unknown>;

let lastStamp = 0;
let lastNoteId = 5_000_000;

/**
 * GitLab's hook timestamp format (`2015-05-17 18:21:36 UTC`, as the comment example shows it), strictly
 * later than the previous call's: the server orders deliveries by it, and tests run faster than a second.
 */
function nextTimestamp(): string {
  lastStamp = Math.max(Math.floor(Date.now() / 1000), lastStamp + 1);
  return hookTimestamp(new Date(lastStamp * 1000));
}

export function hookTimestamp(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** `user` as hooks carry it. */
function hookUser(username: string): Json {
  return {
    id: userId(username),
    name: username,
    username,
    avatar_url: `https://www.gravatar.com/avatar/${userId(username)}?s=80&d=identicon`,
    email: '[REDACTED]',
  };
}

/** `project`, `source` and `target` as hooks carry them. */
function hookProject(path: string, withId: boolean): Json {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const namespace = path.slice(0, path.lastIndexOf('/'));
  return {
    ...(withId ? { id: projectId(path) } : {}),
    name,
    description: '',
    web_url: `${WEB}/${path}`,
    avatar_url: null,
    git_ssh_url: `git@gitlab.example.com:${path}.git`,
    git_http_url: `${WEB}/${path}.git`,
    namespace: namespace.slice(namespace.lastIndexOf('/') + 1),
    visibility_level: 0,
    path_with_namespace: path,
    default_branch: 'main',
    ci_config_path: null,
    homepage: `${WEB}/${path}`,
    url: `${WEB}/${path}.git`,
    ssh_url: `git@gitlab.example.com:${path}.git`,
    http_url: `${WEB}/${path}.git`,
  };
}

function hookRepository(path: string): Json {
  return {
    name: path.slice(path.lastIndexOf('/') + 1),
    url: `${WEB}/${path}.git`,
    description: '',
    homepage: `${WEB}/${path}`,
  };
}

function lastCommit(path: string, sha: string): Json {
  return {
    id: sha,
    message: 'change infrastructure\n',
    title: 'change infrastructure',
    timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+00:00'),
    url: `${WEB}/${path}/-/commit/${sha}`,
    author: { name: 'Dev', email: 'dev@example.com' },
  };
}

/** "Merge request events": X-Gitlab-Event `Merge Request Hook`. */
export function mergeRequestHook(options: MergeRequestHookOptions): Json {
  const author = options.author ?? options.actor ?? 'dev';
  const actor = options.actor ?? author;
  const updatedAt = options.updatedAt ?? nextTimestamp();
  const merged = options.action === 'merge';
  const closed = options.action === 'close';
  const state = merged ? 'merged' : closed ? 'closed' : 'opened';
  const title = options.title ?? `Change !${options.iid}`;
  const source = options.sourceProject ?? options.project;
  return {
    object_kind: 'merge_request',
    event_type: 'merge_request',
    user: hookUser(actor),
    project: hookProject(options.project, true),
    repository: hookRepository(options.project),
    object_attributes: {
      id: mergeRequestId(options.project, options.iid),
      iid: options.iid,
      target_branch: options.targetBranch ?? 'main',
      source_branch: options.sourceBranch,
      source_project_id: projectId(source),
      author_id: userId(author),
      assignee_ids: [],
      assignee_id: null,
      reviewer_ids: [],
      title,
      created_at: updatedAt,
      updated_at: updatedAt,
      last_edited_at: null,
      last_edited_by_id: null,
      milestone_id: null,
      state_id: merged ? 3 : closed ? 2 : 1,
      state,
      blocking_discussions_resolved: true,
      work_in_progress: options.draft ?? false,
      draft: options.draft ?? false,
      first_contribution: false,
      merge_status: 'unchecked',
      target_project_id: projectId(options.project),
      description: '',
      prepared_at: updatedAt,
      total_time_spent: 0,
      time_change: 0,
      human_total_time_spent: null,
      human_time_change: null,
      human_time_estimate: null,
      url: `${WEB}/${options.project}/-/merge_requests/${options.iid}`,
      source: hookProject(source, false),
      target: hookProject(options.project, false),
      last_commit: lastCommit(options.project, options.headSha),
      labels: [],
      action: options.action,
      detailed_merge_status: merged || closed ? 'not_open' : 'unchecked',
      // merge_commit_sha is one of the MR's hook attributes (lib/gitlab/hook_data/merge_request_builder.rb).
      ...(merged ? { merge_commit_sha: options.mergeCommitSha ?? null } : {}),
      ...(options.oldrev ? { oldrev: options.oldrev } : {}),
    },
    labels: [],
    changes: options.changes ?? {},
    assignees: [],
    reviewers: [],
  };
}

/** "Comment on a merge request": X-Gitlab-Event `Note Hook`. */
export function noteHook(options: NoteHookOptions): Json {
  const noteId = options.noteId ?? ++lastNoteId;
  const at = nextTimestamp();
  const sha = options.headSha ?? '562e173be03b8ff2efb05345d12df18815438a4b';
  const source = options.sourceProject ?? options.project;
  return {
    object_kind: 'note',
    event_type: 'note',
    user: hookUser(options.author),
    project_id: projectId(options.project),
    project: hookProject(options.project, true),
    repository: hookRepository(options.project),
    object_attributes: {
      id: noteId,
      internal: false,
      note: options.body,
      noteable_type: 'MergeRequest',
      author_id: userId(options.author),
      created_at: at,
      updated_at: at,
      project_id: projectId(options.project),
      attachment: null,
      line_code: null,
      commit_id: '',
      noteable_id: mergeRequestId(options.project, options.iid),
      system: options.system ?? false,
      st_diff: null,
      action: options.action ?? 'create',
      url: `${WEB}/${options.project}/-/merge_requests/${options.iid}#note_${noteId}`,
    },
    merge_request: {
      id: mergeRequestId(options.project, options.iid),
      target_branch: options.targetBranch ?? 'main',
      source_branch: options.sourceBranch ?? `feature-${options.iid}`,
      source_project_id: projectId(source),
      author_id: userId(options.author),
      assignee_id: null,
      title: `Change !${options.iid}`,
      created_at: at,
      updated_at: at,
      milestone_id: null,
      state: 'opened',
      merge_status: 'can_be_merged',
      target_project_id: projectId(options.project),
      iid: options.iid,
      description: '',
      position: 0,
      labels: [],
      source: hookProject(source, false),
      target: hookProject(options.project, false),
      last_commit: lastCommit(options.project, sha),
      work_in_progress: false,
      draft: false,
      assignee: null,
      detailed_merge_status: 'mergeable',
    },
  };
}

/** "Push events": X-Gitlab-Event `Push Hook`; `after` all zeros when the branch was deleted. */
export function pushHook(options: PushHookOptions): Json {
  const user = options.user ?? 'dev';
  const deleted = /^0{40}$/.test(options.after);
  return {
    object_kind: 'push',
    event_name: 'push',
    before: options.before,
    after: options.after,
    ref: `refs/heads/${options.branch}`,
    ref_protected: false,
    checkout_sha: deleted ? null : options.after,
    message: null,
    user_id: userId(user),
    user_name: user,
    user_username: user,
    user_email: '',
    user_avatar: `https://www.gravatar.com/avatar/${userId(user)}?s=80&d=identicon`,
    project_id: projectId(options.project),
    project: hookProject(options.project, true),
    commits: deleted ? [] : [lastCommit(options.project, options.after)],
    total_commits_count: deleted ? 0 : 1,
    push_options: {},
    repository: {
      ...hookRepository(options.project),
      git_http_url: `${WEB}/${options.project}.git`,
      git_ssh_url: `git@gitlab.example.com:${options.project}.git`,
      visibility_level: 0,
    },
  };
}

/**
 * The request GitLab would make (https://docs.gitlab.com/user/project/integrations/webhooks/): the exact
 * body bytes (a string is sent as-is, to test malformed bodies), the secret token, the event and
 * delivery headers and, with a signing token, the Standard Webhooks signature over `id.timestamp.body`.
 */
export function signGitlabDelivery(
  secret: string,
  event: string,
  payload: object | string,
  options: { uuid?: string; idempotencyKey?: string; signingToken?: string; timestamp?: number } = {},
): SignedGitlabDelivery {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const uuid = options.uuid ?? randomUUID();
  const idempotencyKey = options.idempotencyKey ?? randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'GitLab/18.2.0',
    'x-gitlab-event': event,
    'x-gitlab-webhook-uuid': randomUUID(),
    'x-gitlab-instance': WEB,
    'x-gitlab-event-uuid': uuid,
    'idempotency-key': idempotencyKey,
    'x-gitlab-token': secret,
  };
  if (options.signingToken) {
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const key = Buffer.from(options.signingToken.replace(/^whsec_/, ''), 'base64');
    const signature = createHmac('sha256', key)
      .update(`${idempotencyKey}.${timestamp}.`)
      .update(body)
      .digest('base64');
    headers['webhook-id'] = idempotencyKey;
    headers['webhook-timestamp'] = timestamp;
    headers['webhook-signature'] = `v1,${signature}`;
  }
  return { headers, body };
}
