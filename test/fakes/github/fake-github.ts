import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
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

export interface CommentView {
  id: number;
  body: string;
  user: string;
  created_at: string;
  updated_at: string;
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

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
}

export interface FakeGitHub {
  /** The GitHub Enterprise host, e.g. http://127.0.0.1:PORT (use its host for GHE_HOST). */
  url: string;
  /** The REST API root Octokit's `baseUrl` points at: `url` + prefix. */
  apiUrl: string;
  appId: number;
  privateKeyPem: string;
  /** Every call the fake refused as a caller bug, or could not answer within the schema. */
  violations: string[];
  requests: RequestLogEntry[];
  reactions: readonly ReactionView[];
  addRepo(options: AddRepoOptions): RepoRecord;
  addPullRequest(options: AddPullRequestOptions): PullRecord;
  updatePullRequest(options: UpdatePullRequestOptions): PullRecord;
  addReview(options: AddReviewOptions): ReviewRecord;
  /** A comment a person wrote on the PR (Sluice's own are created through the API). */
  addComment(owner: string, repo: string, number: number, user: string, body: string): CommentView;
  setPermission(owner: string, repo: string, user: string, level: PermissionLevel): void;
  setFile(owner: string, repo: string, ref: string, path: string, content: string | Buffer): void;
  pullRequest(owner: string, repo: string, number: number): PullRecord | undefined;
  /** Comments on a PR, oldest first. */
  comments(owner: string, repo: string, number: number): CommentView[];
  /** Statuses set on a commit, in creation order. */
  statuses(owner: string, repo: string, sha: string): StatusView[];
  /** The latest status per context. */
  latestStatuses(owner: string, repo: string, sha: string): Map<string, StatusView>;
  /** Throws listing every violation, if there were any (call it in afterEach). */
  assertNoViolations(): void;
  /** Polls until `predicate` holds; throws after `timeoutMs` (default 10 s). */
  waitFor(
    predicate: () => boolean | Promise<boolean>,
    options?: { timeoutMs?: number; intervalMs?: number },
  ): Promise<void>;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Starts a fake GitHub (Enterprise layout) on a random loopback port. */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const prefix = options.prefix ?? '/api/v3';
  const subset = loadSubset();
  const keys = createAppKeys();
  const state = new FakeState();
  const violations: string[] = [];
  const requests: RequestLogEntry[] = [];
  const urls = { web: '', api: '' };
  const dispatch = createDispatcher({ prefix, operations: subset.operations, state, keys, urls });

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', urls.web);
    const method = req.method ?? 'GET';
    const body = await readBody(req).catch(() => Buffer.alloc(0));
    const answer = dispatch({ method, url, headers: req.headers, body });
    if (answer.violation) violations.push(answer.violation);
    requests.push({ method, path: url.pathname, query: url.search, status: answer.status });
    const payload = answer.body === undefined ? undefined : JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      ...answer.headers,
      ...(payload === undefined ? {} : { 'content-type': 'application/json; charset=utf-8' }),
    });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  urls.web = `http://127.0.0.1:${port}`;
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
    violations,
    requests,
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
    setFile: (owner, repo, ref, path, content) => state.setFile(owner, repo, ref, path, content),
    pullRequest: (owner, repo, number) => state.pull(owner, repo, number),
    comments: (owner, repo, number) =>
      state
        .comments(repoOf(owner, repo), number)
        .map(({ id, body, user, created_at, updated_at }) => ({ id, body, user, created_at, updated_at })),
    statuses,
    latestStatuses: (owner, repo, sha) => new Map(statuses(owner, repo, sha).map((s) => [s.context, s])),
    assertNoViolations() {
      if (violations.length > 0) {
        throw new Error(`fake GitHub saw ${violations.length} violation(s):\n${violations.join('\n')}`);
      }
    },
    async waitFor(predicate, { timeoutMs = 10_000, intervalMs = 25 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (!(await predicate())) {
        if (Date.now() > deadline) {
          const seen = violations.length > 0 ? `; violations so far:\n${violations.join('\n')}` : '';
          throw new Error(`fake GitHub: condition not met within ${timeoutMs} ms${seen}`);
        }
        await new Promise((resolve) => setTimeout(resolve, intervalMs));
      }
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
