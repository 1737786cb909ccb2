import type { ForgeEvent } from '../events.js';
import type { RepoRef } from '../types.js';
import {
  type IssueCommentPayload,
  isHandledEvent,
  type PullRequestPayload,
  type PushPayload,
  parseGithubPayload,
} from './webhook-payloads.js';

export const GITHUB = 'github';

export function githubRepoRef(
  repository: PullRequestPayload['repository'],
  installationId: number | undefined,
): RepoRef {
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

/**
 * Maps a verified GitHub delivery to what it means to Sluice; undefined for everything Sluice ignores.
 * The payload of every event Sluice handles is parsed first (webhook-payloads.ts), whatever its action:
 * one that is not shaped like GitHub's throws WEBHOOK_PAYLOAD_MALFORMED (400) naming the fields.
 */
export function mapGithubWebhook(name: string, payload: unknown): ForgeEvent | undefined {
  if (!isHandledEvent(name)) return undefined;
  switch (name) {
    case 'pull_request':
      return mapPullRequest(parseGithubPayload(name, payload));
    case 'issue_comment':
      return mapComment(parseGithubPayload(name, payload));
    case 'push':
      return mapPush(parseGithubPayload(name, payload));
  }
}

function mapPullRequest(payload: PullRequestPayload): ForgeEvent | undefined {
  const repo = githubRepoRef(payload.repository, payload.installation?.id);
  const pull = payload.pull_request;
  const pr = { repo, number: pull.number };
  const reason = Object.hasOwn(UPDATE_REASONS, payload.action)
    ? UPDATE_REASONS[payload.action as keyof typeof UPDATE_REASONS]
    : undefined;
  if (reason) {
    return {
      kind: 'pull_request.updated',
      pr,
      reason,
      headSha: pull.head.sha,
      baseSha: pull.base.sha,
      updatedAt: pull.updated_at,
      draft: pull.draft ?? false,
      author: pull.user?.login ?? '',
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

function mapPush(payload: PushPayload): ForgeEvent | undefined {
  if (!payload.deleted || !payload.ref.startsWith('refs/heads/')) return undefined;
  const repo = githubRepoRef(payload.repository, payload.installation?.id);
  return { kind: 'branch.deleted', repo, branch: payload.ref.slice('refs/heads/'.length) };
}

function mapComment(payload: IssueCommentPayload): ForgeEvent | undefined {
  const { comment, issue } = payload;
  // A comment by a deleted user (null) cannot be a command anyone may give.
  if (payload.action !== 'created' || !issue.pull_request || !comment.user) return undefined;
  if (comment.user.type === 'Bot') return undefined;
  return {
    kind: 'comment.created',
    pr: { repo: githubRepoRef(payload.repository, payload.installation?.id), number: issue.number },
    commentId: String(comment.id),
    author: comment.user.login,
    body: comment.body,
  };
}
