/**
 * Merge request-level approvals: "Get Configuration" of one merge request.
 * Source: https://docs.gitlab.com/api/merge_request_approvals/#merge-request-level-mr-approvals; each
 * approver's `approved_at` as current releases send it (https://gitlab.com/gitlab-org/gitlab/-/merge_requests/204605).
 */
import { z } from 'zod';
import { defineOperation, IntParam, ProjectIdParam, Timestamp, UserBasic } from './common.js';

export const Approvals = z.strictObject({
  id: z.number().int(),
  iid: z.number().int(),
  project_id: z.number().int(),
  title: z.string(),
  description: z.string(),
  state: z.enum(['opened', 'closed', 'merged', 'locked']),
  created_at: Timestamp,
  updated_at: Timestamp,
  merge_status: z.enum([
    'unchecked',
    'checking',
    'can_be_merged',
    'cannot_be_merged',
    'cannot_be_merged_recheck',
  ]),
  approvals_required: z.number().int(),
  approvals_left: z.number().int(),
  approved_by: z.array(z.strictObject({ user: UserBasic, approved_at: Timestamp })),
});

export const getApprovals = defineOperation({
  id: 'merge_request_approvals/get',
  method: 'GET',
  path: '/projects/:id/merge_requests/:merge_request_iid/approvals',
  doc: 'https://docs.gitlab.com/api/merge_request_approvals/#merge-request-level-mr-approvals',
  params: z.strictObject({ id: ProjectIdParam, merge_request_iid: IntParam }),
  query: z.strictObject({}),
  response: Approvals,
  status: 200,
});
