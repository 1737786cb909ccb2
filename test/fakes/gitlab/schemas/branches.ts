/**
 * Branches: get one.
 * Source: https://docs.gitlab.com/api/branches/#get-single-repository-branch (response attributes and
 * example).
 */
import { z } from 'zod';
import { defineOperation, ProjectIdParam, Sha, Timestamp } from './common.js';

/** "Details about the latest commit on the branch." */
const BranchCommit = z.strictObject({
  id: Sha,
  short_id: z.string(),
  created_at: Timestamp,
  parent_ids: z.array(Sha),
  title: z.string(),
  message: z.string(),
  author_name: z.string(),
  author_email: z.string(),
  authored_date: Timestamp,
  committer_name: z.string(),
  committer_email: z.string(),
  committed_date: Timestamp,
  trailers: z.record(z.string(), z.string()),
  extended_trailers: z.record(z.string(), z.array(z.string())),
  web_url: z.string(),
});

export const Branch = z.strictObject({
  name: z.string(),
  merged: z.boolean(),
  protected: z.boolean(),
  default: z.boolean(),
  developers_can_push: z.boolean(),
  developers_can_merge: z.boolean(),
  can_push: z.boolean(),
  web_url: z.string(),
  commit: BranchCommit,
});

export const getBranch = defineOperation({
  id: 'branches/get',
  method: 'GET',
  path: '/projects/:id/repository/branches/:branch',
  doc: 'https://docs.gitlab.com/api/branches/#get-single-repository-branch',
  // `branch`: "URL-encoded name of the branch" (the router decodes it).
  params: z.strictObject({ id: ProjectIdParam, branch: z.string().min(1) }),
  query: z.strictObject({}),
  response: Branch,
  status: 200,
});
