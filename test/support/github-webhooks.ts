/**
 * GitHub webhook deliveries as GitHub sends them: an official example payload
 * (@octokit/webhooks-examples) pointed at the test's repository and pull request, checked against
 * GitHub's webhook description (@octokit/openapi-webhooks), then serialised and signed.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import type { EmitterWebhookEvent, EmitterWebhookEventName } from '@octokit/webhooks';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { nodeId, stableId, timestamp } from '../fakes/github/ids.js';
import { simpleUser, type UserType } from '../fakes/github/representations.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;
const require = createRequire(import.meta.url);

/** The payload type @octokit/webhooks gives an event (`pull_request.opened`), the schema's own shape. */
export type WebhookPayload<E extends EmitterWebhookEventName> = EmitterWebhookEvent<E>['payload'];
export type PullRequestAction = WebhookPayload<'pull_request'>['action'];
export type ReviewAction = 'submitted' | 'dismissed';

export interface RepoOptions {
  owner: string;
  repo: string;
  installationId: number;
}

export interface PullRequestEventOptions extends RepoOptions {
  number: number;
  headSha: string;
  baseSha: string;
  /** The head branch. */
  branch: string;
  /** The base branch; `main` unless given. */
  baseRef?: string;
  draft?: boolean;
  merged?: boolean;
  mergeSha?: string;
  /** The pull request's author (and the delivery's sender); the example's user unless given. */
  author?: string;
  /**
   * The owner of the fork the head branch lives in: `head.repo` is then `<forkOwner>/<repo>`, a fork
   * (`fork: true`), and `head.label` and `head.user` name that owner. The repository itself unless given.
   */
  forkOwner?: string;
  /** Later than every earlier call's unless given. */
  updatedAt?: string;
}

export interface IssueCommentEventOptions extends RepoOptions {
  number: number;
  body: string;
  author?: string;
  commentId?: number;
  authorType?: 'User' | 'Bot';
}

export interface PullRequestReviewEventOptions extends Omit<PullRequestEventOptions, 'author'> {
  reviewer: string;
  /** The review as submitted; a dismissed review reports `dismissed`, as GitHub does. */
  state: 'approved' | 'changes_requested' | 'commented';
  commitSha: string;
  body?: string;
}

export interface SignedDelivery {
  headers: Record<string, string>;
  body: Buffer;
}

type JsonObject = { [key: string]: unknown };

/** The fields the builders set; everything else stays as the example has it. */
interface Account {
  login: string;
}
interface Repository {
  id: number;
  node_id: string;
  name: string;
  full_name: string;
  owner: Account;
  fork?: boolean;
  has_discussions?: boolean;
}
interface PullRequest {
  id: number;
  node_id: string;
  number: number;
  draft: boolean;
  merged: boolean | null;
  merged_at: string | null;
  merged_by: Account | null;
  merge_commit_sha: string | null;
  updated_at: string;
  user: Account;
  head: { sha: string; ref: string; label: string; user: Account; repo: Repository | null };
  base: { sha: string; ref: string; label: string; user: Account; repo: Repository };
}
interface Payload {
  action: string;
  repository: Repository;
  installation: { id: number };
  organization?: unknown;
  sender: Account;
}

/** GitHub's webhook description, by webhook (`pull-request-opened`), and the ajv that compiles it. */
interface Schemas {
  ajv: Ajv2020;
  webhooks: Record<
    string,
    { post: { requestBody: { content: { 'application/json': { schema: { $ref: string } } } } } }
  >;
}

const WEB = 'https://github.com';
const API = 'https://api.github.com';
const GITHUB_COM = { web: WEB, api: API };
const SCHEMA_ID = 'https://api.github.com/openapi-webhooks.json';

let lastStamp = 0;
let lastId = 3_000_000_000;
let schemas: Schemas | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * GitHub's whole-second format, strictly later than the previous call's: the server orders
 * deliveries by it (as strings), so calls faster than one a second run ahead of the clock.
 */
function nextTimestamp(): string {
  lastStamp = Math.max(Math.floor(Date.now() / 1000), lastStamp + 1);
  return timestamp(new Date(lastStamp * 1000));
}

function nextId(): number {
  lastId += 1;
  return lastId;
}

function account(login: string, type?: UserType): Account {
  return simpleUser(GITHUB_COM, login, type);
}

/**
 * The first example of `name`.`action` that was delivered to a GitHub App (it names the
 * installation), deep-cloned with every URL and name pointing at the target repository and number.
 */
function example(
  name: string,
  action: string,
  target: { owner: string; repo: string; number: number },
): JsonObject {
  const definitions = require('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: JsonObject[];
  }>;
  const found = definitions
    .find((d) => d.name === name)
    ?.examples.find((e) => e.action === action && e.installation !== undefined);
  if (!found) throw new Error(`@octokit/webhooks-examples has no ${name}.${action} example for a GitHub App`);
  const repository = found.repository as Repository;
  const issue = (found.pull_request ?? found.issue) as { number: number };
  const numbered = new RegExp(`/(pull|pulls|issues)/${issue.number}(?=[/#".])`, 'g');
  const text = JSON.stringify(found)
    .replaceAll(repository.full_name, `${target.owner}/${target.repo}`)
    .replace(numbered, `/$1/${target.number}`);
  return JSON.parse(text) as JsonObject;
}

/** Points a repository object at the target; the fake GitHub derives the same ids. */
function identify(repository: Repository, options: RepoOptions): void {
  repository.id = stableId(`repo:${options.owner}/${options.repo}`);
  repository.node_id = nodeId('R', repository.id);
  repository.name = options.repo;
  repository.full_name = `${options.owner}/${options.repo}`;
  repository.owner = account(options.owner);
}

/** The envelope every builder shares: repository, installation, sender. */
function envelope(payload: Payload, options: RepoOptions, sender: Account): void {
  identify(payload.repository, options);
  payload.installation.id = options.installationId;
  // The examples' organization does not own their repository; GitHub omits it for a user's repository.
  delete payload.organization;
  payload.sender = sender;
}

/** The example's repository object as `fork`'s fork of the target: its own name, URLs and ids. */
function forkOf(repository: Repository, options: RepoOptions, fork: string): Repository {
  const copy = JSON.parse(
    JSON.stringify(repository).replaceAll(`${options.owner}/${options.repo}`, `${fork}/${options.repo}`),
  ) as Repository;
  identify(copy, { ...options, owner: fork });
  copy.fork = true;
  return copy;
}

function pullRequest(pull: PullRequest, options: PullRequestEventOptions, author: Account | undefined): void {
  const owner = account(options.owner);
  const headOwner = options.forkOwner ?? options.owner;
  const baseRef = options.baseRef ?? 'main';
  pull.id = stableId(`pull:${options.owner}/${options.repo}#${options.number}`);
  pull.node_id = nodeId('PR', pull.id);
  pull.number = options.number;
  pull.draft = options.draft ?? false;
  pull.merged = options.merged ?? false;
  pull.merge_commit_sha = options.mergeSha ?? null;
  pull.updated_at = options.updatedAt ?? nextTimestamp();
  pull.merged_at = pull.merged ? pull.updated_at : null;
  if (author) pull.user = author;
  pull.merged_by = pull.merged ? pull.user : null;
  pull.head = {
    ...pull.head,
    sha: options.headSha,
    ref: options.branch,
    label: `${headOwner}:${options.branch}`,
  };
  pull.base = { ...pull.base, sha: options.baseSha, ref: baseRef, label: `${options.owner}:${baseRef}` };
  for (const side of [pull.head, pull.base]) {
    side.user = owner;
    if (!side.repo) continue;
    identify(side.repo, options);
    // The examples predate `has_discussions` (2022), which GitHub now sends and the schema requires.
    side.repo.has_discussions ??= false;
  }
  if (options.forkOwner) {
    pull.head.user = account(options.forkOwner);
    if (pull.head.repo) pull.head.repo = forkOf(pull.head.repo, options, options.forkOwner);
  }
}

function loadSchemas(): Schemas {
  const document = require('@octokit/openapi-webhooks/generated/api.github.com.json') as {
    webhooks: Schemas['webhooks'];
    components: JsonObject;
  };
  // `example` is OpenAPI's annotation keyword; `components` holds the schemas GitHub's $refs point into.
  const ajv = new Ajv2020({
    strict: true,
    allErrors: true,
    allowUnionTypes: true,
    keywords: ['example', 'components'],
  });
  addFormats(ajv);
  ajv.addSchema({ $id: SCHEMA_ID, components: document.components });
  return { ajv, webhooks: document.webhooks };
}

/** The schema GitHub documents for `name`.`action` (`pull_request` + `opened`), compiled once. */
function validatorFor(name: string, action: string): ValidateFunction {
  const key = `${name}-${action}`.replaceAll('_', '-');
  const cached = validators.get(key);
  if (cached) return cached;
  schemas ??= loadSchemas();
  const ref = schemas.webhooks[key]?.post.requestBody.content['application/json'].schema.$ref;
  const validate = ref ? schemas.ajv.getSchema(`${SCHEMA_ID}${ref}`) : undefined;
  if (!validate) throw new Error(`GitHub's webhook description has no schema for ${name}.${action}`);
  validators.set(key, validate);
  return validate;
}

/** Throws, listing every problem, unless `payload` is a `name` delivery GitHub's schema allows. */
export function assertWebhookPayload(name: string, payload: unknown): void {
  const action = (payload as { action?: unknown } | null)?.action;
  if (typeof action !== 'string') throw new Error(`${name} payload has no action`);
  const validate = validatorFor(name, action);
  if (validate(payload)) return;
  const problems = schemas?.ajv.errorsText(validate.errors, { dataVar: 'payload', separator: '\n  ' });
  throw new Error(`${name}.${action} payload does not match GitHub's webhook schema:\n  ${problems}`);
}

export function pullRequestEvent<A extends PullRequestAction>(
  action: A,
  options: PullRequestEventOptions,
): WebhookPayload<`pull_request.${A}`> {
  const payload = example('pull_request', action, options) as JsonObject &
    Payload & { number: number; pull_request: PullRequest; after?: string };
  const author = options.author === undefined ? undefined : account(options.author);
  pullRequest(payload.pull_request, options, author);
  payload.number = options.number;
  if (payload.after !== undefined) payload.after = options.headSha;
  envelope(payload, options, payload.pull_request.user);
  assertWebhookPayload('pull_request', payload);
  return payload as unknown as WebhookPayload<`pull_request.${A}`>;
}

/** A comment on a pull request's conversation (GitHub reports it as a comment on the PR's issue). */
export function issueCommentEvent(
  options: IssueCommentEventOptions,
): WebhookPayload<'issue_comment.created'> {
  const payload = example('issue_comment', 'created', options) as JsonObject &
    Payload & {
      issue: { number: number; pull_request?: JsonObject };
      comment: JsonObject & { id: number; user: Account; reactions: { url: string } };
    };
  const full = `${options.owner}/${options.repo}`;
  const { comment, issue } = payload;
  issue.number = options.number;
  issue.pull_request = {
    url: `${API}/repos/${full}/pulls/${options.number}`,
    html_url: `${WEB}/${full}/pull/${options.number}`,
    diff_url: `${WEB}/${full}/pull/${options.number}.diff`,
    patch_url: `${WEB}/${full}/pull/${options.number}.patch`,
    merged_at: null,
  };
  comment.id = options.commentId ?? nextId();
  comment.node_id = nodeId('IC', comment.id);
  comment.url = `${API}/repos/${full}/issues/comments/${comment.id}`;
  comment.html_url = `${WEB}/${full}/pull/${options.number}#issuecomment-${comment.id}`;
  comment.reactions.url = `${comment.url}/reactions`;
  comment.body = options.body;
  comment.created_at = nextTimestamp();
  comment.updated_at = comment.created_at;
  if (options.author !== undefined || options.authorType !== undefined) {
    comment.user = account(options.author ?? comment.user.login, options.authorType);
  }
  envelope(payload, options, comment.user);
  assertWebhookPayload('issue_comment', payload);
  return payload as unknown as WebhookPayload<'issue_comment.created'>;
}

export function pullRequestReviewEvent<A extends ReviewAction>(
  action: A,
  options: PullRequestReviewEventOptions,
): WebhookPayload<`pull_request_review.${A}`> {
  const payload = example('pull_request_review', action, options) as JsonObject &
    Payload & { pull_request: PullRequest; review: JsonObject & { id: number; user: Account } };
  const { review } = payload;
  const reviewer = account(options.reviewer);
  pullRequest(payload.pull_request, options, undefined);
  const html = `${WEB}/${options.owner}/${options.repo}/pull/${options.number}`;
  review.id = nextId();
  review.node_id = nodeId('PRR', review.id);
  review.html_url = `${html}#pullrequestreview-${review.id}`;
  review._links = { ...(review._links as JsonObject), html: { href: review.html_url } };
  review.user = reviewer;
  review.state = action === 'dismissed' ? 'dismissed' : options.state;
  review.commit_id = options.commitSha;
  review.body = options.body ?? null;
  review.submitted_at = nextTimestamp();
  envelope(payload, options, reviewer);
  assertWebhookPayload('pull_request_review', payload);
  return payload as unknown as WebhookPayload<`pull_request_review.${A}`>;
}

/**
 * The request GitHub would make: the exact body bytes (a string is sent as-is, to test malformed
 * bodies) and GitHub's headers, signed with `secret` over those bytes.
 */
export function signDelivery(
  secret: string,
  name: string,
  payload: object | string,
  options: { deliveryId?: string; hookId?: number; appId?: number } = {},
): SignedDelivery {
  const body = Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload));
  const signature = createHmac('sha256', secret).update(body).digest('hex');
  return {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/7e6d9b1',
      'x-github-event': name,
      'x-github-delivery': options.deliveryId ?? randomUUID(),
      'x-github-hook-id': String(options.hookId ?? stableId('hook:sluice')),
      'x-github-hook-installation-target-type': 'integration',
      'x-github-hook-installation-target-id': String(options.appId ?? stableId('app:sluice')),
      'x-hub-signature-256': `sha256=${signature}`,
    },
    body,
  };
}
