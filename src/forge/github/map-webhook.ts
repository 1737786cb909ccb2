import type { ForgeEvent } from '../events.js';
import type { RepoRef } from '../types.js';

export const GITHUB = 'github';

interface Repository {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string };
}

interface Payload {
  action?: string;
  installation?: { id: number };
  repository?: Repository;
  pull_request?: {
    number: number;
    draft?: boolean;
    merged?: boolean;
    merge_commit_sha?: string | null;
    updated_at: string;
    user: { login: string };
    head: { sha: string };
    base: { sha: string };
  };
  issue?: { number: number; pull_request?: unknown };
  comment?: { id: number; body: string; user: { login: string; type?: string } };
  /** push events */
  ref?: string;
  deleted?: boolean;
}

export function githubRepoRef(repository: Repository, installationId: number | undefined): RepoRef {
  return {
    forge: GITHUB,
    id: String(repository.id),
    owner: repository.owner.login,
    name: repository.name,
    fullName: repository.full_name,
    auth: installationId === undefined ? undefined : { installationId },
  };
}

const UPDATE_REASONS = {
  opened: 'opened',
  reopened: 'reopened',
  synchronize: 'pushed',
  ready_for_review: 'ready',
} as const;

/** Maps a verified GitHub delivery to what it means to Sluice; undefined for everything Sluice ignores. */
export function mapGithubWebhook(name: string, payload: Payload): ForgeEvent | undefined {
  if (!payload.repository) return undefined;
  const repo = githubRepoRef(payload.repository, payload.installation?.id);

  if (name === 'pull_request' && payload.pull_request && payload.action) {
    const pull = payload.pull_request;
    const pr = { repo, number: pull.number };
    const reason = UPDATE_REASONS[payload.action as keyof typeof UPDATE_REASONS];
    if (reason) {
      return {
        kind: 'pull_request.updated',
        pr,
        reason,
        headSha: pull.head.sha,
        baseSha: pull.base.sha,
        updatedAt: pull.updated_at,
        draft: pull.draft ?? false,
        author: pull.user.login,
      };
    }
    if (payload.action === 'closed') {
      return {
        kind: 'pull_request.closed',
        pr,
        merged: pull.merged ?? false,
        headSha: pull.head.sha,
        mergeSha: pull.merge_commit_sha ?? undefined,
        updatedAt: pull.updated_at,
      };
    }
    return undefined;
  }

  if (name === 'push' && payload.deleted && payload.ref?.startsWith('refs/heads/')) {
    return { kind: 'branch.deleted', repo, branch: payload.ref.slice('refs/heads/'.length) };
  }

  if (
    name === 'issue_comment' &&
    payload.action === 'created' &&
    payload.issue?.pull_request &&
    payload.comment
  ) {
    if (payload.comment.user.type === 'Bot') return undefined;
    return {
      kind: 'comment.created',
      pr: { repo, number: payload.issue.number },
      commentId: String(payload.comment.id),
      author: payload.comment.user.login,
      body: payload.comment.body,
    };
  }
  return undefined;
}
