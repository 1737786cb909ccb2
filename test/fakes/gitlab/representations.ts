/**
 * GitLab's JSON representations of the fake's state, typed by the response schemas they must pass
 * (each answer is also checked against them before it is sent).
 */
import type { z } from 'zod';
import { namespaceId } from './ids.js';
import type { Approvals } from './schemas/approvals.js';
import type { AwardEmoji } from './schemas/award-emoji.js';
import type { Branch } from './schemas/branches.js';
import type { CommitStatus } from './schemas/commit-statuses.js';
import type { UserBasic } from './schemas/common.js';
import type { AccessLevel, Member } from './schemas/members.js';
import type { DetailedMergeStatus, Diff, DiffVersion, MergeRequest } from './schemas/merge-requests.js';
import type { Note } from './schemas/notes.js';
import type { Project } from './schemas/projects.js';
import type { CurrentUser } from './schemas/users.js';
import type {
  ApprovalRecord,
  AwardRecord,
  BranchRecord,
  FileChange,
  MergeRequestRecord,
  NoteRecord,
  ProjectRecord,
  StatusRecord,
  UserRecord,
  VersionRecord,
} from './state.js';

/** Where the fake is reachable: `web` is the instance, `api` its REST root (`web` + /api/v4). */
export interface Urls {
  web: string;
  api: string;
}

export function userBasic(urls: Urls, user: UserRecord): z.input<typeof UserBasic> {
  return {
    id: user.id,
    username: user.username,
    name: user.name,
    state: user.state,
    locked: false,
    avatar_url: `${urls.web}/uploads/-/system/user/avatar/${user.id}/avatar.png`,
    web_url: `${urls.web}/${user.username}`,
  };
}

export function currentUser(urls: Urls, user: UserRecord): z.input<typeof CurrentUser> {
  return {
    ...userBasic(urls, user),
    email: `${user.username}@example.com`,
    created_at: user.createdAt,
    bio: '',
    location: null,
    public_email: null,
    linkedin: '',
    twitter: '',
    discord: '',
    github: '',
    website_url: '',
    organization: '',
    job_title: '',
    bot: user.bot,
    last_sign_in_at: null,
    confirmed_at: user.createdAt,
    theme_id: 1,
    last_activity_on: user.createdAt.slice(0, 10),
    color_scheme_id: 1,
    projects_limit: 100,
    current_sign_in_at: null,
    identities: [],
    can_create_group: false,
    can_create_project: false,
    two_factor_enabled: false,
    external: false,
    private_profile: false,
    commit_email: `${user.username}@example.com`,
  };
}

const mrWebUrl = (urls: Urls, mr: MergeRequestRecord) =>
  `${urls.web}/${mr.project.path}/-/merge_requests/${mr.iid}`;

const legacyMergeStatus = (status: DetailedMergeStatus) =>
  status === 'mergeable' ? 'can_be_merged' : status === 'checking' ? 'checking' : 'cannot_be_merged';

export function mergeRequest(
  urls: Urls,
  mr: MergeRequestRecord,
  status: DetailedMergeStatus,
): z.input<typeof MergeRequest> {
  const author = userBasic(urls, mr.author);
  const merged = mr.state === 'merged';
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.project.id,
    title: mr.title,
    description: '',
    state: mr.state,
    imported: false,
    imported_from: 'none',
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merged_by: mr.mergedBy && userBasic(urls, mr.mergedBy),
    merge_user: mr.mergedBy && userBasic(urls, mr.mergedBy),
    merged_at: mr.mergedAt,
    merge_after: null,
    prepared_at: mr.createdAt,
    closed_by: mr.closedBy && userBasic(urls, mr.closedBy),
    closed_at: mr.closedAt,
    target_branch: mr.targetBranch,
    source_branch: mr.sourceBranch,
    user_notes_count: 0,
    upvotes: 0,
    downvotes: 0,
    author,
    assignees: [],
    assignee: null,
    reviewers: [],
    source_project_id: mr.sourceProjectId,
    target_project_id: mr.project.id,
    labels: [],
    draft: mr.draft,
    work_in_progress: mr.draft,
    milestone: null,
    merge_when_pipeline_succeeds: false,
    merge_status: legacyMergeStatus(status),
    detailed_merge_status: status,
    sha: mr.headSha,
    merge_commit_sha: mr.mergeCommitSha,
    squash_commit_sha: null,
    discussion_locked: null,
    should_remove_source_branch: null,
    force_remove_source_branch: false,
    reference: `!${mr.iid}`,
    references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${mr.project.path}!${mr.iid}` },
    web_url: mrWebUrl(urls, mr),
    time_stats: {
      time_estimate: 0,
      total_time_spent: 0,
      human_time_estimate: null,
      human_total_time_spent: null,
    },
    squash: false,
    task_completion_status: { count: 0, completed_count: 0 },
    has_conflicts: status === 'conflict',
    blocking_discussions_resolved: status !== 'discussions_not_resolved',
    approvals_before_merge: null,
    subscribed: false,
    changes_count: String(mr.files.length),
    latest_build_started_at: null,
    latest_build_finished_at: null,
    first_deployed_to_production_at: null,
    pipeline: null,
    head_pipeline: null,
    diff_refs: { base_sha: mr.baseSha, head_sha: mr.headSha, start_sha: mr.baseSha },
    merge_error: null,
    first_contribution: false,
    user: { can_merge: !merged && mr.state === 'opened' },
  };
}

export function diff(file: FileChange): z.input<typeof Diff> {
  const path = file.filename;
  return {
    old_path: file.status === 'renamed' ? (file.previous_filename ?? path) : path,
    new_path: path,
    a_mode: file.status === 'added' ? '0' : '100644',
    b_mode: file.status === 'removed' ? '0' : '100644',
    diff: file.status === 'removed' ? '@@ -1 +0,0 @@\n-old\n' : '@@ -0,0 +1 @@\n+new\n',
    new_file: file.status === 'added',
    renamed_file: file.status === 'renamed',
    deleted_file: file.status === 'removed',
    generated_file: false,
  };
}

export function diffVersion(mr: MergeRequestRecord, version: VersionRecord): z.input<typeof DiffVersion> {
  return {
    id: version.id,
    head_commit_sha: version.headSha,
    base_commit_sha: version.baseSha,
    start_commit_sha: version.baseSha,
    created_at: version.createdAt,
    merge_request_id: mr.id,
    state: 'collected',
    real_size: String(mr.files.length),
    patch_id_sha: null,
  };
}

export function note(record: NoteRecord): z.input<typeof Note> {
  const { author } = record;
  return {
    id: record.id,
    body: record.body,
    attachment: null,
    author: {
      id: author.id,
      username: author.username,
      email: `${author.username}@example.com`,
      name: author.name,
      state: author.state,
      created_at: author.createdAt,
    },
    created_at: record.createdAt,
    updated_at: record.updatedAt,
    system: record.system,
    noteable_id: record.mr.id,
    noteable_type: 'MergeRequest',
    project_id: record.mr.project.id,
    noteable_iid: record.mr.iid,
    resolvable: false,
    confidential: false,
    internal: false,
    imported: false,
    imported_from: 'none',
  };
}

export function approvals(
  urls: Urls,
  mr: MergeRequestRecord,
  approvers: ApprovalRecord[],
  counted: number,
  status: DetailedMergeStatus,
): z.input<typeof Approvals> {
  return {
    id: mr.id,
    iid: mr.iid,
    project_id: mr.project.id,
    title: mr.title,
    description: '',
    state: mr.state,
    created_at: mr.createdAt,
    updated_at: mr.updatedAt,
    merge_status: legacyMergeStatus(status),
    approvals_required: mr.approvalsRequired,
    approvals_left: Math.max(mr.approvalsRequired - counted, 0),
    approved_by: approvers.map((a) => ({ user: userBasic(urls, a.user), approved_at: a.approvedAt })),
  };
}

export function commitStatus(urls: Urls, status: StatusRecord): z.input<typeof CommitStatus> {
  const { locked: _locked, ...author } = userBasic(urls, status.author);
  return {
    id: status.id,
    sha: status.sha,
    ref: status.ref,
    status: status.status,
    name: status.name,
    target_url: status.targetUrl,
    description: status.description,
    created_at: status.createdAt,
    started_at: status.startedAt,
    finished_at: status.finishedAt,
    allow_failure: status.allowFailure,
    coverage: null,
    author,
  };
}

export function member(
  urls: Urls,
  user: UserRecord,
  level: AccessLevel,
  project: ProjectRecord,
): z.input<typeof Member> {
  const { locked: _locked, ...basic } = userBasic(urls, user);
  return {
    ...basic,
    access_level: level,
    created_at: project.createdAt,
    created_by: null,
    expires_at: null,
    group_saml_identity: null,
  };
}

export function groupMember(urls: Urls, user: UserRecord, level: AccessLevel): z.input<typeof Member> {
  const { locked: _locked, ...basic } = userBasic(urls, user);
  return {
    ...basic,
    access_level: level,
    created_at: '2024-01-01T00:00:00.000Z',
    created_by: null,
    expires_at: null,
    group_saml_identity: null,
  };
}

export function awardEmoji(urls: Urls, award: AwardRecord): z.input<typeof AwardEmoji> {
  return {
    id: award.id,
    name: award.name,
    user: userBasic(urls, award.user),
    created_at: award.createdAt,
    updated_at: award.createdAt,
    awardable_id: award.note.id,
    awardable_type: 'Note',
  };
}

/**
 * A branch: its head as the last push left it. The fake knows no commit contents, so the commit's
 * message and people are plausible stand-ins and it names no parents. GitLab protects the default
 * branch unless told otherwise; Developers may not push to it then.
 */
export function branch(
  urls: Urls,
  record: ProjectRecord,
  head: BranchRecord,
  accessLevel: number | undefined,
): z.input<typeof Branch> {
  const isDefault = head.name === record.defaultBranch;
  const level = accessLevel ?? 0;
  return {
    name: head.name,
    merged: false,
    protected: isDefault,
    default: isDefault,
    developers_can_push: false,
    developers_can_merge: false,
    can_push: level >= 40 || (!isDefault && level >= 30),
    web_url: `${urls.web}/${record.path}/-/tree/${head.name}`,
    commit: {
      id: head.sha,
      short_id: head.sha.slice(0, 8),
      created_at: head.pushedAt,
      parent_ids: [],
      title: `change on ${head.name}`,
      message: `change on ${head.name}`,
      author_name: 'Dev',
      author_email: 'dev@example.com',
      authored_date: head.pushedAt,
      committer_name: 'Dev',
      committer_email: 'dev@example.com',
      committed_date: head.pushedAt,
      trailers: {},
      extended_trailers: {},
      web_url: `${urls.web}/${record.path}/-/commit/${head.sha}`,
    },
  };
}

export function project(
  urls: Urls,
  record: ProjectRecord,
  accessLevel: number | undefined,
): z.input<typeof Project> {
  const api = `${urls.api}/projects/${record.id}`;
  return {
    id: record.id,
    description: null,
    default_branch: record.defaultBranch,
    visibility: 'private',
    ssh_url_to_repo: `git@${new URL(urls.web).hostname}:${record.path}.git`,
    http_url_to_repo: record.cloneUrl,
    web_url: `${urls.web}/${record.path}`,
    readme_url: null,
    tag_list: [],
    topics: [],
    name: record.name,
    name_with_namespace: `${record.namespace.split('/').join(' / ')} / ${record.name}`,
    path: record.name,
    path_with_namespace: record.path,
    issues_enabled: true,
    open_issues_count: 0,
    merge_requests_enabled: true,
    jobs_enabled: true,
    wiki_enabled: false,
    snippets_enabled: false,
    created_at: record.createdAt,
    updated_at: record.createdAt,
    last_activity_at: record.createdAt,
    creator_id: 1,
    namespace: {
      id: namespaceId(record.namespace),
      name: record.namespace.slice(record.namespace.lastIndexOf('/') + 1),
      path: record.namespace.slice(record.namespace.lastIndexOf('/') + 1),
      kind: 'group',
      full_path: record.namespace,
      avatar_url: null,
      web_url: `${urls.web}/groups/${record.namespace}`,
    },
    permissions: {
      project_access: accessLevel === undefined ? null : { access_level: accessLevel, notification_level: 3 },
      group_access: null,
    },
    archived: false,
    avatar_url: null,
    forks_count: 0,
    star_count: 0,
    only_allow_merge_if_pipeline_succeeds: record.onlyAllowMergeIfPipelineSucceeds,
    allow_merge_on_skipped_pipeline: false,
    only_allow_merge_if_all_discussions_are_resolved: false,
    remove_source_branch_after_merge: false,
    merge_method: 'merge',
    squash_option: 'default_off',
    _links: {
      self: api,
      issues: `${api}/issues`,
      merge_requests: `${api}/merge_requests`,
      repo_branches: `${api}/repository/branches`,
      labels: `${api}/labels`,
      events: `${api}/events`,
      members: `${api}/members`,
      cluster_agents: `${api}/cluster_agents`,
    },
  };
}
