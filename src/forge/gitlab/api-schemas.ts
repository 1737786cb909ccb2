import { z } from 'zod';

/**
 * The fields of GitLab REST answers the adapter reads (https://docs.gitlab.com/api/rest/), parsed at the
 * edge. Objects stay open: GitLab adds fields release by release.
 */

const User = z.object({ id: z.number().int(), username: z.string() });

/** https://docs.gitlab.com/api/merge_requests/#get-single-mr */
export const MergeRequestSchema = z.object({
  iid: z.number().int(),
  title: z.string(),
  web_url: z.string(),
  state: z.string(),
  draft: z.boolean().optional(),
  work_in_progress: z.boolean().optional(),
  author: User,
  sha: z.string().nullable(),
  source_branch: z.string(),
  target_branch: z.string(),
  source_project_id: z.number().int(),
  target_project_id: z.number().int(),
  diff_refs: z
    .object({ base_sha: z.string().nullable(), head_sha: z.string().nullable() })
    .nullable()
    .optional(),
  merge_commit_sha: z.string().nullable().optional(),
  squash_commit_sha: z.string().nullable().optional(),
  detailed_merge_status: z.string().optional(),
});
export type MergeRequestData = z.infer<typeof MergeRequestSchema>;

/** https://docs.gitlab.com/api/merge_requests/#list-merge-request-diffs */
export const DiffSchema = z.object({
  old_path: z.string(),
  new_path: z.string(),
  new_file: z.boolean(),
  renamed_file: z.boolean(),
  deleted_file: z.boolean(),
});

/** https://docs.gitlab.com/api/notes/#merge-requests */
export const NoteSchema = z.object({
  id: z.number().int(),
  body: z.string(),
  author: User,
  system: z.boolean(),
});

/**
 * https://docs.gitlab.com/api/merge_request_approvals/#merge-request-level-mr-approvals; `approved_at`
 * only from GitLab releases with https://gitlab.com/gitlab-org/gitlab/-/merge_requests/204605.
 */
export const ApprovalsSchema = z.object({
  approvals_left: z.number().int().optional(),
  approved_by: z.array(z.object({ user: User, approved_at: z.string().nullish() })),
});

/** https://docs.gitlab.com/api/merge_requests/#get-merge-request-diff-versions: one per push, newest first. */
export const DiffVersionSchema = z.object({ head_commit_sha: z.string(), created_at: z.string() });
export type DiffVersionData = z.infer<typeof DiffVersionSchema>;

/** https://docs.gitlab.com/api/commits/#list-the-statuses-of-a-commit */
export const CommitStatusSchema = z.object({
  name: z.string(),
  status: z.string(),
  allow_failure: z.boolean().optional(),
});
export type CommitStatusData = z.infer<typeof CommitStatusSchema>;

/** https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members */
export const MemberSchema = z.object({ access_level: z.number().int(), state: z.string().optional() });

/** https://docs.gitlab.com/api/users/#list-users and #get-the-current-user */
export const UserSchema = User.extend({ state: z.string().optional() });

/** https://docs.gitlab.com/api/projects/#get-a-single-project (`default_branch` is null in an empty repository) */
export const ProjectSchema = z.object({ http_url_to_repo: z.string(), default_branch: z.string().nullish() });

/** https://docs.gitlab.com/api/branches/#get-single-repository-branch */
export const BranchSchema = z.object({ name: z.string(), commit: z.object({ id: z.string() }) });
