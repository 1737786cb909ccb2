/**
 * Projects: get one.
 * Source: https://docs.gitlab.com/api/projects/#get-a-single-project (the attributes a member with the
 * Developer role sees; administrator-only and Premium fields left out).
 */
import { z } from 'zod';
import { BoolParam, defineOperation, ProjectIdParam, Timestamp } from './common.js';

export const Project = z.strictObject({
  id: z.number().int(),
  description: z.string().nullable(),
  default_branch: z.string(),
  visibility: z.enum(['private', 'internal', 'public']),
  ssh_url_to_repo: z.string(),
  http_url_to_repo: z.string(),
  web_url: z.string(),
  readme_url: z.string().nullable(),
  tag_list: z.array(z.string()),
  topics: z.array(z.string()),
  name: z.string(),
  name_with_namespace: z.string(),
  path: z.string(),
  path_with_namespace: z.string(),
  issues_enabled: z.boolean(),
  open_issues_count: z.number().int(),
  merge_requests_enabled: z.boolean(),
  jobs_enabled: z.boolean(),
  wiki_enabled: z.boolean(),
  snippets_enabled: z.boolean(),
  created_at: Timestamp,
  updated_at: Timestamp,
  last_activity_at: Timestamp,
  creator_id: z.number().int(),
  namespace: z.strictObject({
    id: z.number().int(),
    name: z.string(),
    path: z.string(),
    kind: z.enum(['group', 'user']),
    full_path: z.string(),
    avatar_url: z.string().nullable(),
    web_url: z.string(),
  }),
  permissions: z.strictObject({
    project_access: z
      .strictObject({ access_level: z.number().int(), notification_level: z.number().int() })
      .nullable(),
    group_access: z
      .strictObject({ access_level: z.number().int(), notification_level: z.number().int() })
      .nullable(),
  }),
  archived: z.boolean(),
  avatar_url: z.string().nullable(),
  forks_count: z.number().int(),
  star_count: z.number().int(),
  only_allow_merge_if_pipeline_succeeds: z.boolean(),
  allow_merge_on_skipped_pipeline: z.boolean(),
  only_allow_merge_if_all_discussions_are_resolved: z.boolean(),
  remove_source_branch_after_merge: z.boolean(),
  merge_method: z.enum(['merge', 'rebase_merge', 'ff']),
  squash_option: z.enum(['never', 'always', 'default_on', 'default_off']),
  _links: z.strictObject({
    self: z.string(),
    issues: z.string(),
    merge_requests: z.string(),
    repo_branches: z.string(),
    labels: z.string(),
    events: z.string(),
    members: z.string(),
    cluster_agents: z.string(),
  }),
});

export const getProject = defineOperation({
  id: 'projects/get',
  method: 'GET',
  path: '/projects/:id',
  doc: 'https://docs.gitlab.com/api/projects/#get-a-single-project',
  params: z.strictObject({ id: ProjectIdParam }),
  query: z.strictObject({
    license: BoolParam.optional(),
    statistics: BoolParam.optional(),
    with_custom_attributes: BoolParam.optional(),
  }),
  response: Project,
  status: 200,
});
