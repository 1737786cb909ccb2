import type { CommentView } from '../shared/comment-view.js';
import { type FakeServerControls, startFakeServer } from '../shared/fake-server.js';
import { createAppKeys } from './app-auth.js';
import { createDispatcher } from './dispatch.js';
import { loadSubset } from './spec.js';
import {
  type AddPullRequestOptions,
  type AddRepoOptions,
  type AddReviewOptions,
  FakeState,
  type PermissionLevel,
  type PullRecord,
  type RepoRecord,
  type ReviewRecord,
  type StatusState,
  type UpdatePullRequestOptions,
} from './state.js';

export interface FakeGitHubOptions {
  /** Where the REST API is served; GitHub Enterprise's layout by default. */
  prefix?: string;
}

export interface StatusView {
  context: string;
  state: StatusState;
  description: string | null;
  target_url: string | null;
}

export interface ReactionView {
  commentId: number;
  content: string;
  user: string;
}

export type { CommentView } from '../shared/comment-view.js';
export type { RequestLogEntry } from '../shared/fake-server.js';

export interface FakeGitHub extends FakeServerControls {
  /** The GitHub Enterprise host, e.g. http://127.0.0.1:PORT (use its host for GHE_HOST). */
  url: string;
  /** The REST API root Octokit's `baseUrl` points at: `url` + prefix. */
  apiUrl: string;
  appId: number;
  privateKeyPem: string;
  reactions: readonly ReactionView[];
  addRepo(options: AddRepoOptions): RepoRecord;
  addPullRequest(options: AddPullRequestOptions): PullRecord;
  updatePullRequest(options: UpdatePullRequestOptions): PullRecord;
  addReview(options: AddReviewOptions): ReviewRecord;
  /** A comment a person wrote on the PR (Sluice's own are created through the API). */
  addComment(owner: string, repo: string, number: number, user: string, body: string): CommentView;
  setPermission(owner: string, repo: string, user: string, level: PermissionLevel): void;
  /** Team membership (`pending`: invited only); `undefined` removes it. */
  setTeamMember(org: string, team: string, user: string, state?: 'active' | 'pending'): void;
  setFile(owner: string, repo: string, ref: string, path: string, content: string | Buffer): void;
  /** Points a branch at a commit, as a push does (what `git/get-ref` answers for `heads/<branch>`). */
  setBranch(owner: string, repo: string, branch: string, sha: string): void;
  pullRequest(owner: string, repo: string, number: number): PullRecord | undefined;
  /** Comments on a PR, oldest first. */
  comments(owner: string, repo: string, number: number): CommentView[];
  /** Answers the next `count` writes with GitHub's secondary rate limit (403, `retry-after: 1`). */
  limitNextWrites(count: number): void;
  /** Statuses set on a commit, in creation order. */
  statuses(owner: string, repo: string, sha: string): StatusView[];
  /** The latest status per context. */
  latestStatuses(owner: string, repo: string, sha: string): Map<string, StatusView>;
}

/** Starts a fake GitHub (Enterprise layout) on a random loopback port. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const prefix = options.prefix ?? '/api/v3';
  const subset = loadSubset();
  const keys = createAppKeys();
  const state = new FakeState();
  const urls = { web: '', api: '' };
  const dispatch = createDispatcher({ prefix, operations: subset.operations, state, keys, urls });
  const server = await startFakeServer({
    name: 'fake GitHub',
    jsonType: 'application/json; charset=utf-8',
    dispatch,
  });
  urls.web = server.url;
  urls.api = `${urls.web}${prefix}`;

  const repoOf = (owner: string, name: string) => {
    const repo = state.repo(owner, name);
    if (!repo) throw new Error(`fake GitHub: no repository ${owner}/${name}`);
    return repo;
  };
  const statuses = (owner: string, repo: string, sha: string): StatusView[] =>
    state
      .statuses(repoOf(owner, repo), sha)
      .map(({ context, state, description, target_url }) => ({ context, state, description, target_url }));

  return {
    url: urls.web,
    apiUrl: urls.api,
    appId: keys.appId,
    privateKeyPem: keys.privateKeyPem,
    violations: server.violations,
    requests: server.requests,
    assertNoViolations: server.assertNoViolations,
    waitFor: server.waitFor,
    close: server.close,
    get reactions() {
      return state.reactions.map(({ commentId, content, user }) => ({ commentId, content, user }));
    },
    addRepo: (o) => state.addRepo(o),
    addPullRequest: (o) => state.addPullRequest(o),
    updatePullRequest: (o) => state.updatePullRequest(o),
    addReview: (o) => state.addReview(o),
    addComment: (owner, repo, number, user, body) => {
      const { id, created_at, updated_at } = state.addComment(repoOf(owner, repo), number, user, body);
      return { id, body, user, created_at, updated_at };
    },
    setPermission: (owner, repo, user, level) => state.setPermission(owner, repo, user, level),
    setTeamMember: (org, team, user, membership = 'active') =>
      state.setTeamMember(org, team, user, membership),
    setFile: (owner, repo, ref, path, content) => state.setFile(owner, repo, ref, path, content),
    setBranch: (owner, repo, branch, sha) => state.setBranch(owner, repo, branch, sha),
    pullRequest: (owner, repo, number) => state.pull(owner, repo, number),
    comments: (owner, repo, number) =>
      state
        .comments(repoOf(owner, repo), number)
        .map(({ id, body, user, created_at, updated_at }) => ({ id, body, user, created_at, updated_at })),
    limitNextWrites: (count) => {
      state.secondaryLimitedWrites = count;
    },
    statuses,
    latestStatuses: (owner, repo, sha) => new Map(statuses(owner, repo, sha).map((s) => [s.context, s])),
  };
}
