/**
 * Project and group members, including inherited and invited ones: get one.
 * Source: https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members
 */
import { z } from 'zod';
import { defineOperation, IntParam, ProjectIdParam, Timestamp } from './common.js';

/** "Roles": No access 0, Minimal access 5, Guest 10, Planner 15, Reporter 20, Developer 30, Maintainer 40, Owner 50, Admin 60. */
export const AccessLevel = z.union([0, 5, 10, 15, 20, 30, 40, 50, 60].map((n) => z.literal(n)));
export type AccessLevel = 0 | 5 | 10 | 15 | 20 | 30 | 40 | 50 | 60;

export const Member = z.strictObject({
  id: z.number().int(),
  username: z.string(),
  name: z.string(),
  state: z.enum(['active', 'blocked', 'deactivated', 'awaiting']),
  avatar_url: z.string().nullable(),
  web_url: z.string(),
  access_level: AccessLevel,
  created_at: Timestamp,
  created_by: z
    .strictObject({
      id: z.number().int(),
      username: z.string(),
      name: z.string(),
      state: z.string(),
      avatar_url: z.string().nullable(),
      web_url: z.string(),
    })
    .nullable(),
  expires_at: z.string().nullable(),
  group_saml_identity: z.null(),
});

export const getMember = defineOperation({
  id: 'members/get-all',
  method: 'GET',
  path: '/projects/:id/members/all/:user_id',
  doc: 'https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members',
  params: z.strictObject({ id: ProjectIdParam, user_id: IntParam }),
  query: z.strictObject({}),
  response: Member,
  status: 200,
});

/** `:id` of a group: "The ID or URL-encoded path of the group" (a top-level group has no slash). */
export const GroupIdParam = z
  .string()
  .regex(/^(\d+|[\w.-]+(\/[\w.-]+)*)$/, 'must be a group ID or URL-encoded full path');

export const getGroupMember = defineOperation({
  id: 'group-members/get-all',
  method: 'GET',
  path: '/groups/:id/members/all/:user_id',
  doc: 'https://docs.gitlab.com/api/members/#get-a-member-of-a-group-or-project-including-inherited-and-invited-members',
  params: z.strictObject({ id: GroupIdParam, user_id: IntParam }),
  query: z.strictObject({}),
  response: Member,
  status: 200,
});
