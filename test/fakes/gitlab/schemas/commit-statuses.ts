/**
 * Commit statuses: set one, list a commit's.
 * Source: https://docs.gitlab.com/api/commits/#commit-status
 */
import { z } from 'zod';
import {
  BoolParam,
  defineOperation,
  IntParam,
  PageQuery,
  ProjectIdParam,
  Sha,
  ShaParam,
  Timestamp,
} from './common.js';

/** "Must be 255 characters or fewer." (`ref`, `target_url`, `description`) */
export const MAX_STATUS_FIELD = 255;

export const StatusState = z.enum(['pending', 'running', 'success', 'failed', 'canceled', 'skipped']);
export type StatusState = z.infer<typeof StatusState>;

/** A commit status as both endpoints' examples show it. */
export const CommitStatus = z.strictObject({
  id: z.number().int(),
  sha: Sha,
  ref: z.string().nullable(),
  status: z.enum(['created', 'pending', 'running', 'success', 'failed', 'canceled', 'skipped', 'manual']),
  name: z.string(),
  target_url: z.string().nullable(),
  description: z.string().nullable(),
  created_at: Timestamp,
  started_at: Timestamp.nullable(),
  finished_at: Timestamp.nullable(),
  allow_failure: z.boolean(),
  coverage: z.number().nullable(),
  author: z.strictObject({
    id: z.number().int(),
    username: z.string(),
    name: z.string(),
    state: z.enum(['active', 'blocked', 'deactivated']),
    avatar_url: z.string().nullable(),
    web_url: z.string(),
  }),
});

export const createStatus = defineOperation({
  id: 'statuses/create',
  method: 'POST',
  path: '/projects/:id/statuses/:sha',
  doc: 'https://docs.gitlab.com/api/commits/#set-the-pipeline-status-of-a-commit',
  params: z.strictObject({ id: ProjectIdParam, sha: ShaParam }),
  query: z.strictObject({}),
  body: z.strictObject({
    state: StatusState,
    ref: z.string().max(MAX_STATUS_FIELD).optional(),
    name: z.string().min(1).optional(),
    context: z.string().min(1).optional(),
    target_url: z.string().max(MAX_STATUS_FIELD).optional(),
    description: z.string().max(MAX_STATUS_FIELD).optional(),
    coverage: z.number().optional(),
    pipeline_id: z.number().int().optional(),
  }),
  response: CommitStatus,
  status: 201,
});

export const listStatuses = defineOperation({
  id: 'statuses/list',
  method: 'GET',
  path: '/projects/:id/repository/commits/:sha/statuses',
  doc: 'https://docs.gitlab.com/api/commits/#list-the-statuses-of-a-commit',
  params: z.strictObject({ id: ProjectIdParam, sha: ShaParam }),
  query: z.strictObject({
    ...PageQuery,
    ref: z.string().optional(),
    stage: z.string().optional(),
    name: z.string().optional(),
    all: BoolParam.optional(),
    pipeline_id: IntParam.optional(),
  }),
  response: z.array(CommitStatus),
  status: 200,
  paginated: true,
});
