/**
 * Users: list them (to look one up by username) and the current user.
 * Source: https://docs.gitlab.com/api/users/ ("List users" as a regular user, "Get the current user").
 */
import { z } from 'zod';
import { BoolParam, defineOperation, PageQuery, Timestamp, UserBasic } from './common.js';

export const listUsers = defineOperation({
  id: 'users/list',
  method: 'GET',
  path: '/users',
  doc: 'https://docs.gitlab.com/api/users/#list-users',
  params: z.strictObject({}),
  query: z.strictObject({
    ...PageQuery,
    username: z.string().min(1).optional(),
    search: z.string().optional(),
    active: BoolParam.optional(),
    external: BoolParam.optional(),
    blocked: BoolParam.optional(),
    humans: BoolParam.optional(),
    created_after: Timestamp.optional(),
    created_before: Timestamp.optional(),
    exclude_active: BoolParam.optional(),
    exclude_external: BoolParam.optional(),
    exclude_humans: BoolParam.optional(),
    exclude_internal: BoolParam.optional(),
    without_project_bots: BoolParam.optional(),
  }),
  response: z.array(UserBasic),
  status: 200,
  paginated: true,
});

/** "Get the current user" → example response (the fields a non-administrator sees). */
export const CurrentUser = UserBasic.extend({
  email: z.string(),
  created_at: Timestamp,
  bio: z.string(),
  location: z.string().nullable(),
  public_email: z.string().nullable(),
  linkedin: z.string(),
  twitter: z.string(),
  discord: z.string(),
  github: z.string(),
  website_url: z.string(),
  organization: z.string(),
  job_title: z.string(),
  bot: z.boolean(),
  last_sign_in_at: Timestamp.nullable(),
  confirmed_at: Timestamp.nullable(),
  theme_id: z.number().int(),
  last_activity_on: z.string().nullable(),
  color_scheme_id: z.number().int(),
  projects_limit: z.number().int(),
  current_sign_in_at: Timestamp.nullable(),
  identities: z.array(z.strictObject({ provider: z.string(), extern_uid: z.string() })),
  can_create_group: z.boolean(),
  can_create_project: z.boolean(),
  two_factor_enabled: z.boolean(),
  external: z.boolean(),
  private_profile: z.boolean(),
  commit_email: z.string(),
});

export const getCurrentUser = defineOperation({
  id: 'users/current',
  method: 'GET',
  path: '/user',
  doc: 'https://docs.gitlab.com/api/users/#get-the-current-user',
  params: z.strictObject({}),
  query: z.strictObject({}),
  response: CurrentUser,
  status: 200,
});
