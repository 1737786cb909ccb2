/**
 * Merge requests: get one, list its diffs and diff versions, merge it.
 * Source: https://docs.gitlab.com/api/merge_requests/ ("Get single MR", "Merge status",
 * "List merge request diffs", "Get merge request diff versions", "Merge a merge request").
 */
import { z } from 'zod';
import {
  BoolParam,
  defineOperation,
  IntParam,
  PageQuery,
  ProjectIdParam,
  Sha,
  Timestamp,
  UserBasic,
} from './common.js';

/** "Merge status": every value `detailed_merge_status` can take. */
export const DetailedMergeStatus = z.enum([
  'approvals_syncing',
  'checking',
  'ci_must_pass',
  'ci_still_running',
  'commits_status',
  'conflict',
  'discussions_not_resolved',
  'draft_status',
  'jira_association_missing',
  'mergeable',
  'merge_request_blocked',
  'merge_time',
  'need_rebase',
  'not_approved',
  'not_open',
  'preparing',
  'requested_changes',
  'security_policy_violations',
  'status_checks_must_pass',
  'unchecked',
  'locked_paths',
  'locked_lfs_files',
]);
export type DetailedMergeStatus = z.infer<typeof DetailedMergeStatus>;

const MrParams = z.strictObject({ id: ProjectIdParam, merge_request_iid: IntParam });

/** "Get single MR" → Response (the documented attributes; `pipeline`/`head_pipeline` null without CI). */
export const MergeRequest = z.strictObject({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  title: z.string(),
  description: z.string(),
  state: z.enum(['opened', 'closed', 'merged', 'locked']),
  imported: z.boolean(),
  imported_from: z.string(),
  created_at: Timestamp,
  updated_at: Timestamp,
  merged_by: UserBasic.nullable(),
  merge_user: UserBasic.nullable(),
  merged_at: Timestamp.nullable(),
  merge_after: Timestamp.nullable(),
  prepared_at: Timestamp.nullable(),
  closed_by: UserBasic.nullable(),
  closed_at: Timestamp.nullable(),
  target_branch: z.string(),
  source_branch: z.string(),
  user_notes_count: z.number().int(),
  upvotes: z.number().int(),
  downvotes: z.number().int(),
  author: UserBasic,
  assignees: z.array(UserBasic),
  assignee: UserBasic.nullable(),
  reviewers: z.array(UserBasic),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
  labels: z.array(z.string()),
  draft: z.boolean(),
  work_in_progress: z.boolean(),
  milestone: z.null(),
  merge_when_pipeline_succeeds: z.boolean(),
  merge_status: z.enum([
    'unchecked',
    'checking',
    'can_be_merged',
    'cannot_be_merged',
    'cannot_be_merged_recheck',
  ]),
  detailed_merge_status: DetailedMergeStatus,
  sha: Sha,
  merge_commit_sha: Sha.nullable(),
  squash_commit_sha: Sha.nullable(),
  discussion_locked: z.boolean().nullable(),
  should_remove_source_branch: z.boolean().nullable(),
  force_remove_source_branch: z.boolean(),
  reference: z.string(),
  references: z.strictObject({ short: z.string(), relative: z.string(), full: z.string() }),
  web_url: z.string(),
  time_stats: z.strictObject({
    time_estimate: z.number().int(),
    total_time_spent: z.number().int(),
    human_time_estimate: z.string().nullable(),
    human_total_time_spent: z.string().nullable(),
  }),
  squash: z.boolean(),
  task_completion_status: z.strictObject({ count: z.number().int(), completed_count: z.number().int() }),
  has_conflicts: z.boolean(),
  blocking_discussions_resolved: z.boolean(),
  approvals_before_merge: z.number().int().nullable(),
  subscribed: z.boolean(),
  changes_count: z.string().nullable(),
  latest_build_started_at: Timestamp.nullable(),
  latest_build_finished_at: Timestamp.nullable(),
  first_deployed_to_production_at: Timestamp.nullable(),
  pipeline: z.null(),
  head_pipeline: z.null(),
  diff_refs: z.strictObject({ base_sha: Sha, head_sha: Sha, start_sha: Sha }).nullable(),
  merge_error: z.string().nullable(),
  first_contribution: z.boolean(),
  user: z.strictObject({ can_merge: z.boolean() }),
});

export const getMergeRequest = defineOperation({
  id: 'merge_requests/get',
  method: 'GET',
  path: '/projects/:id/merge_requests/:merge_request_iid',
  doc: 'https://docs.gitlab.com/api/merge_requests/#get-single-mr',
  params: MrParams,
  query: z.strictObject({
    include_diverged_commits_count: BoolParam.optional(),
    include_rebase_in_progress: BoolParam.optional(),
    render_html: BoolParam.optional(),
  }),
  response: MergeRequest,
  status: 200,
});

/** "List merge request diffs" → response attributes. */
export const Diff = z.strictObject({
  old_path: z.string(),
  new_path: z.string(),
  a_mode: z.string(),
  b_mode: z.string(),
  diff: z.string(),
  new_file: z.boolean(),
  renamed_file: z.boolean(),
  deleted_file: z.boolean(),
  generated_file: z.boolean(),
});

export const listDiffs = defineOperation({
  id: 'merge_requests/diffs',
  method: 'GET',
  path: '/projects/:id/merge_requests/:merge_request_iid/diffs',
  doc: 'https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs',
  params: MrParams,
  query: z.strictObject({ ...PageQuery, unidiff: BoolParam.optional() }),
  response: z.array(Diff),
  status: 200,
  paginated: true,
});

/** "Get merge request diff versions" → one per push, newest first. */
export const DiffVersion = z.strictObject({
  id: z.number().int(),
  head_commit_sha: Sha,
  base_commit_sha: Sha,
  start_commit_sha: Sha,
  created_at: Timestamp,
  merge_request_id: z.number().int(),
  state: z.enum(['collected', 'overflow', 'without_files', 'empty', 'overflow_commits_safe_size']),
  real_size: z.string(),
  patch_id_sha: Sha.nullable(),
});

export const listVersions = defineOperation({
  id: 'merge_requests/versions',
  method: 'GET',
  path: '/projects/:id/merge_requests/:merge_request_iid/versions',
  doc: 'https://docs.gitlab.com/api/merge_requests/#get-merge-request-diff-versions',
  params: MrParams,
  query: z.strictObject({ ...PageQuery }),
  response: z.array(DiffVersion),
  status: 200,
  paginated: true,
});

export const mergeMergeRequest = defineOperation({
  id: 'merge_requests/merge',
  method: 'PUT',
  path: '/projects/:id/merge_requests/:merge_request_iid/merge',
  doc: 'https://docs.gitlab.com/api/merge_requests/#merge-a-merge-request',
  params: MrParams,
  query: z.strictObject({}),
  body: z.strictObject({
    merge_commit_message: z.string().optional(),
    merge_when_pipeline_succeeds: z.boolean().optional(),
    auto_merge: z.boolean().optional(),
    sha: Sha.optional(),
    should_remove_source_branch: z.boolean().optional(),
    squash_commit_message: z.string().optional(),
    squash: z.boolean().optional(),
  }),
  response: MergeRequest,
  status: 200,
});
