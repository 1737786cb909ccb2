import { newInstallationToken } from './app-auth.js';
import { GitHubError, notFound } from './github-error.js';
import { stableId, timestamp } from './ids.js';
import { paginate } from './pagination.js';
import {
  BOT_LOGIN,
  collaboratorPermission,
  combinedStatus,
  commitStatus,
  contentFile,
  diffEntry,
  fullRepository,
  gitRef,
  installationToken,
  issueComment,
  pullRequest,
  reaction,
  review,
  type Urls,
} from './representations.js';
import type { FakeState, PullRecord, RepoRecord, StatusState } from './state.js';

/** A request that passed authentication and schema validation (parameters already coerced). */
export interface HandlerContext {
  state: FakeState;
  urls: Urls;
  requestUrl: URL;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /** The installation of the token the request was made with (not set for app-JWT calls). */
  installationId?: number;
}

export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: HandlerContext) => HandlerResult;

/** GitHub's limit for issue comment bodies, in characters. */
export const MAX_COMMENT_LENGTH = 65_536;
/** GitHub's limit for commit status descriptions, in characters. */
const MAX_STATUS_DESCRIPTION = 140;
const TOKEN_LIFETIME_MS = 60 * 60 * 1000;

const str = (ctx: HandlerContext, name: string) => String(ctx.params[name]);
const int = (ctx: HandlerContext, name: string) => Number(ctx.params[name]);

/** The repository in the path, visible only to tokens of the installation it belongs to. */
function repoOf(ctx: HandlerContext): RepoRecord {
  const [owner, name] = [str(ctx, 'owner'), str(ctx, 'repo')];
  const repo = ctx.state.repo(owner, name);
  if (!repo) throw notFound(`repository ${owner}/${name}`);
  if (repo.installationId !== ctx.installationId) {
    throw new GitHubError(
      404,
      `Not Found (${owner}/${name} belongs to installation ${repo.installationId}, the token to ${ctx.installationId})`,
      {
        violation: true,
      },
    );
  }
  return repo;
}

function pullOf(ctx: HandlerContext, param = 'pull_number'): PullRecord {
  const repo = repoOf(ctx);
  const pull = ctx.state.pull(repo.owner, repo.name, int(ctx, param));
  if (!pull) throw notFound(`pull request ${repo.owner}/${repo.name}#${int(ctx, param)}`);
  return pull;
}

function commentOf(ctx: HandlerContext) {
  const repo = repoOf(ctx);
  const comment = ctx.state.comment(repo, int(ctx, 'comment_id'));
  if (!comment) throw notFound(`comment ${int(ctx, 'comment_id')} in ${repo.owner}/${repo.name}`);
  return comment;
}

function checkLength(field: string, value: string | null | undefined, max: number, resource: string): void {
  if (value && [...value].length > max) {
    throw new GitHubError(422, 'Validation Failed', {
      violation: true,
      errors: [
        { resource, code: 'custom', field, message: `${field} is too long (maximum is ${max} characters)` },
      ],
    });
  }
}

function page<T>(ctx: HandlerContext, items: T[]): HandlerResult {
  const { items: body, link } = paginate(items, ctx.query, ctx.requestUrl);
  return { status: 200, body, headers: link ? { link } : {} };
}

export const handlers: Record<string, Handler> = {
  'apps/create-installation-access-token'(ctx) {
    const installationId = int(ctx, 'installation_id');
    if (!ctx.state.hasInstallation(installationId)) throw notFound(`installation ${installationId}`);
    const token = newInstallationToken();
    const expiresAt = new Date(Date.now() + TOKEN_LIFETIME_MS);
    ctx.state.issueToken(installationId, token, expiresAt.getTime());
    return { status: 201, body: installationToken(token, expiresAt) };
  },

  'repos/get': (ctx) => ({ status: 200, body: fullRepository(ctx.urls, repoOf(ctx)) }),

  'git/get-ref'(ctx) {
    const repo = repoOf(ctx);
    const ref = str(ctx, 'ref');
    // The fake knows branches only (`heads/<branch>`); tags and other refs are not found.
    const branch = ref.startsWith('heads/') ? ref.slice('heads/'.length) : undefined;
    const sha = branch === undefined ? undefined : ctx.state.branch(repo, branch);
    if (!sha) throw notFound(`ref ${ref} in ${repo.owner}/${repo.name}`);
    return { status: 200, body: gitRef(ctx.urls, repo, `refs/${ref}`, sha) };
  },

  'pulls/get': (ctx) => ({ status: 200, body: pullRequest(ctx.urls, pullOf(ctx)) }),

  'pulls/list-files'(ctx) {
    const pull = pullOf(ctx);
    return page(
      ctx,
      pull.files.map((file) => diffEntry(ctx.urls, pull, file)),
    );
  },

  'pulls/list-reviews'(ctx) {
    const pull = pullOf(ctx);
    return page(
      ctx,
      ctx.state.reviews(pull).map((r) => review(ctx.urls, r)),
    );
  },

  'pulls/merge'(ctx) {
    const pull = pullOf(ctx);
    const body = (ctx.body ?? {}) as { sha?: string };
    if (pull.state !== 'open' || pull.draft) throw new GitHubError(405, 'Pull Request is not mergeable');
    if (body.sha && body.sha !== pull.head.sha) {
      throw new GitHubError(409, 'Head branch was modified. Review and try the merge again.');
    }
    ctx.state.merge(pull);
    return {
      status: 200,
      body: { sha: pull.mergeCommitSha, merged: true, message: 'Pull Request successfully merged' },
    };
  },

  'issues/list-comments'(ctx) {
    const pull = pullOf(ctx, 'issue_number');
    const since = typeof ctx.query.since === 'string' ? Date.parse(ctx.query.since) : 0;
    return page(
      ctx,
      ctx.state
        .comments(pull.repo, pull.number)
        .filter((c) => Date.parse(c.updated_at) >= since)
        .map((c) => issueComment(ctx.urls, c)),
    );
  },

  'issues/create-comment'(ctx) {
    const pull = pullOf(ctx, 'issue_number');
    const { body } = ctx.body as { body: string };
    checkLength('body', body, MAX_COMMENT_LENGTH, 'IssueComment');
    const comment = issueComment(ctx.urls, ctx.state.addComment(pull.repo, pull.number, BOT_LOGIN, body));
    return { status: 201, body: comment, headers: { location: comment.url } };
  },

  'issues/update-comment'(ctx) {
    const comment = commentOf(ctx);
    const { body } = ctx.body as { body: string };
    checkLength('body', body, MAX_COMMENT_LENGTH, 'IssueComment');
    comment.body = body;
    comment.updated_at = timestamp();
    return { status: 200, body: issueComment(ctx.urls, comment) };
  },

  'issues/delete-comment'(ctx) {
    ctx.state.deleteComment(commentOf(ctx).id);
    return { status: 204 };
  },

  'reactions/create-for-issue-comment'(ctx) {
    const comment = commentOf(ctx);
    const { content } = ctx.body as { content: string };
    const existing = ctx.state.reactions.find(
      (r) => r.commentId === comment.id && r.content === content && r.user === BOT_LOGIN,
    );
    if (existing) return { status: 200, body: reaction(ctx.urls, existing) };
    return { status: 201, body: reaction(ctx.urls, ctx.state.addReaction(comment.id, content, BOT_LOGIN)) };
  },

  'repos/create-commit-status'(ctx) {
    const repo = repoOf(ctx);
    const body = ctx.body as {
      state: StatusState;
      target_url?: string | null;
      description?: string | null;
      context?: string;
    };
    checkLength('description', body.description, MAX_STATUS_DESCRIPTION, 'Status');
    const status = ctx.state.addStatus(repo, str(ctx, 'sha'), {
      state: body.state,
      context: body.context ?? 'default',
      description: body.description ?? null,
      target_url: body.target_url ?? null,
    });
    return { status: 201, body: commitStatus(ctx.urls, repo, status) };
  },

  'repos/get-combined-status-for-ref'(ctx) {
    const repo = repoOf(ctx);
    // Sluice asks by commit SHA; branch names are not resolved here.
    const sha = str(ctx, 'ref');
    return { status: 200, body: combinedStatus(ctx.urls, repo, sha, ctx.state.statuses(repo, sha)) };
  },

  'repos/get-collaborator-permission-level'(ctx) {
    const repo = repoOf(ctx);
    const user = str(ctx, 'username');
    return { status: 200, body: collaboratorPermission(ctx.urls, user, ctx.state.permission(repo, user)) };
  },

  'teams/get-membership-for-user-in-org'(ctx) {
    const [org, slug, user] = [str(ctx, 'org'), str(ctx, 'team_slug'), str(ctx, 'username')];
    // GitHub documents this 404 ("not a member", or a team or org the token cannot see) without a body.
    if (!ctx.state.installationCoversOrg(ctx.installationId, org)) return { status: 404 };
    const state = ctx.state.teamMembership(org, slug, user);
    if (!state) return { status: 404 };
    return {
      status: 200,
      body: {
        url: `${ctx.urls.api}/organizations/${stableId(`org:${org}`)}/team/${stableId(`team:${org}/${slug}`)}/memberships/${user}`,
        role: 'member',
        state,
      },
    };
  },

  'repos/get-content'(ctx) {
    const repo = repoOf(ctx);
    const ref = typeof ctx.query.ref === 'string' ? ctx.query.ref : repo.defaultBranch;
    const path = str(ctx, 'path');
    const content = ctx.state.file(repo, ref, path);
    if (!content) throw notFound(`file ${path} at ${ref} in ${repo.owner}/${repo.name}`);
    return { status: 200, body: contentFile(ctx.urls, repo, ref, path, content) };
  },
};
