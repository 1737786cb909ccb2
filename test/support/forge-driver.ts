/**
 * What an end-to-end scenario does to a forge and reads back from it, the same for GitHub and GitLab.
 * Each driver hides its fake's vocabulary: pull requests are merge requests on GitLab, comments are
 * notes, reactions are award emoji, and commit statuses read in GitHub's states.
 */
import type { Settings } from '../../src/config/env.js';
import type { CommitState } from '../../src/forge/types.js';
import type { FakeServerControls } from '../fakes/shared/fake-server.js';
import type { FileChange, FileSet, GitOrigin } from './git-origin.js';

export type ForgeName = 'github' | 'gitlab';
export type BackendName = 'redis' | 'embedded';

export const OWNER = 'acme';
export const REPO = 'infra';
/** Who forked the repository (`someone/infra`) and opens pull requests from that fork. */
export const FORK_OWNER = 'someone';
/** Who opens the pull requests that are not from a fork. */
export const AUTHOR = 'dev';

export interface PullRequestHandle {
  number: number;
  branch: string;
  headSha: string;
  /** The branch the PR targets: `main`, the default branch, unless it was opened against another. */
  base: string;
  baseSha: string;
  /** The owner of the fork the head branch lives in (who opened the PR); absent: the repository itself. */
  forkOwner?: string;
}

export interface PullRequestOptions {
  /** The branch to target; `main` (the default branch) unless given. It must exist in the origin. */
  base?: string;
  /**
   * Open it from FORK_OWNER's fork: the branch is pushed there, so the origin has its commits only as
   * the PR's head ref (refs/pull/N/head, refs/merge-requests/N/head), and the forge names the fork.
   */
  fromFork?: boolean;
}

/** Who opened the PR: the fork's owner for a fork PR. */
export const authorOf = (pr: PullRequestHandle) => pr.forkOwner ?? AUTHOR;

/** Commit status states in one vocabulary, GitHub's: GitLab's `failed` reads `failure`, `running` `pending`. */
export type NeutralState = 'pending' | 'success' | 'failure' | 'error';

export interface NeutralStatus {
  context: string;
  state: NeutralState;
  description: string;
}

export interface NeutralComment {
  id: number;
  body: string;
  user: string;
}

/** A reaction (GitHub) or award emoji (GitLab) on a comment; both name them alike (`eyes`, `confused`). */
export interface NeutralReaction {
  commentId: number;
  content: string;
  user: string;
}

/** Repository roles in GitHub's words; GitLab's driver turns them into access levels. */
export type Access = 'admin' | 'write' | 'read' | 'none';

/** An HTTP request to Sluice's webhook route: the exact bytes and headers. */
export interface RawDelivery {
  headers: Record<string, string>;
  body: Buffer;
}

/** Deliveries Sluice must refuse, all built around one valid "pull request opened" delivery. */
export interface BadDeliveries {
  /** Without any signature or token. */
  unsigned: RawDelivery;
  /** Signed with another secret (GitLab: another token and signing token). */
  wrongSecret: RawDelivery;
  /** Correct headers, a body changed after signing. */
  tampered: RawDelivery;
  /** Correctly signed, not JSON. */
  malformed: RawDelivery;
  /** Correctly signed, larger than SLUICE_WEBHOOK_MAX_BYTES. */
  oversize: RawDelivery;
  /** Correctly signed, without the header that names the event. */
  noEvent: RawDelivery;
}

export interface ForgeDriver extends FakeServerControls {
  readonly name: ForgeName;
  /** Sluice's environment for this forge (URL, credentials, webhook secrets). */
  readonly env: Record<string, string>;
  /** Points deliveries at Sluice, once it listens at `sluiceUrl` with `settings`. */
  connect(sluiceUrl: string, settings: Settings): void;

  /**
   * A PR from `feature-<number>` (of the repository, or of the fork with `fromFork`) with `files`
   * committed on it, on the forge and in git; nothing delivered.
   */
  createPullRequest(number: number, files: FileSet, options?: PullRequestOptions): Promise<PullRequestHandle>;
  /** The signed "opened" delivery of a PR made with createPullRequest. */
  openedDelivery(pr: PullRequestHandle, deliveryId?: string): RawDelivery;
  /** createPullRequest, then the "opened" delivery. */
  openPullRequest(number: number, files: FileSet, options?: PullRequestOptions): Promise<PullRequestHandle>;
  /** Commits `files` on the PR's branch and delivers the push. */
  push(pr: PullRequestHandle, files: FileSet): Promise<PullRequestHandle>;
  /** A person comments on the PR (delivered as the forge does); returns the comment's id. */
  comment(number: number, body: string, author?: string): Promise<number>;
  /** A reviewer approves the PR's current head (no delivery: Sluice reads approvals when it needs them). */
  approve(pr: PullRequestHandle, reviewer?: string): void;
  /** Merges the PR into its base in git (a merge commit), marks it merged and delivers that; returns the SHA. */
  merge(pr: PullRequestHandle): Promise<string>;
  /** Closes the PR without merging and delivers that. */
  closePullRequest(pr: PullRequestHandle): Promise<void>;
  /** Gives `user` a role on the repository. */
  setAccess(user: string, access: Access): void;
  /** Whether the forge has the PR merged (by Sluice's automerge, say). */
  isMerged(number: number): boolean;

  /** Every comment on the PR, Sluice's and people's, oldest first. */
  comments(number: number): NeutralComment[];
  /** Every status set on `sha`, in creation order. GitLab updates an unfinished one in place. */
  statuses(sha: string): NeutralStatus[];
  /** The latest status per context. */
  latestStatuses(sha: string): Map<string, NeutralStatus>;
  /** How many times `context` on `sha` was started (went pending from nothing or from finished). */
  timesStarted(sha: string, context: string): number;
  /** How a state Sluice sets reads here: GitLab has no `error`, so it reads `failure`. */
  shown(state: CommitState): NeutralState;
  /** Reactions Sluice put on comments. */
  reactions(): NeutralReaction[];

  /** POSTs a delivery to Sluice's webhook route. */
  post(delivery: RawDelivery): Promise<Response>;
  /** Signs `payload` as the forge does, as event `event` (`pull_request`, `Merge Request Hook`), and posts it. */
  deliver(event: string, payload: object | string, deliveryId?: string): Promise<Response>;
  /** Deliveries to refuse, around PR `number`; `maxBytes` is SLUICE_WEBHOOK_MAX_BYTES. */
  badDeliveries(number: number, maxBytes: number): BadDeliveries;
}

/** `delivery` without the headers `names`. */
export function withoutHeaders(delivery: RawDelivery, ...names: string[]): RawDelivery {
  const headers = { ...delivery.headers };
  for (const name of names) delete headers[name];
  return { headers, body: delivery.body };
}

/** `delivery` with its body changed after signing: `from` replaced by `to`, once. */
export function tampered(delivery: RawDelivery, from: string, to: string): RawDelivery {
  const body = delivery.body.toString();
  if (!body.includes(from)) throw new Error(`the delivery to tamper with has no ${from}`);
  return { headers: delivery.headers, body: Buffer.from(body.replace(from, to)) };
}

/** A webhook as the forge would send it: the event's name (its header) and payload. */
export interface Hook {
  event: string;
  payload: object;
}

/**
 * What differs between forges, as small steps on the fake and as webhooks; composeDriver builds the
 * flows (git, fake, delivery) from it, the same for every forge.
 */
export interface ForgeAdapter<Fake extends FakeServerControls> {
  readonly name: ForgeName;
  readonly fake: Fake;
  readonly env: Record<string, string>;
  /** Sluice's route for this forge's deliveries. */
  webhookPath(settings: Settings): string | undefined;
  /** Points the forge's ref for the PR's head (refs/pull/N/head, refs/merge-requests/N/head) at `sha`. */
  setHeadRef(number: number, sha: string): Promise<void>;
  addPullRequest(pr: PullRequestHandle, files: FileChange[]): void;
  /** The PR's branch moved to `pr.headSha`. */
  movePullRequest(pr: PullRequestHandle, files: FileChange[]): void;
  markMerged(pr: PullRequestHandle, mergeSha: string): void;
  markClosed(pr: PullRequestHandle): void;
  /** A person's comment on the fake; its id. */
  addComment(pr: PullRequestHandle, author: string, body: string): number;
  hooks: {
    opened(pr: PullRequestHandle): Hook;
    pushed(previous: PullRequestHandle, pr: PullRequestHandle): Hook;
    merged(pr: PullRequestHandle, mergeSha: string): Hook;
    closed(pr: PullRequestHandle): Hook;
    commented(pr: PullRequestHandle, author: string, body: string, id: number): Hook;
  };
  /** Signs a delivery as the forge does; `deliveryId` is what Sluice dedupes by. */
  sign(event: string, payload: object | string, deliveryId?: string): RawDelivery;
  approve: ForgeDriver['approve'];
  setAccess: ForgeDriver['setAccess'];
  isMerged: ForgeDriver['isMerged'];
  comments: ForgeDriver['comments'];
  statuses: ForgeDriver['statuses'];
  timesStarted: ForgeDriver['timesStarted'];
  shown: ForgeDriver['shown'];
  reactions: ForgeDriver['reactions'];
  badDeliveries: ForgeDriver['badDeliveries'];
}

/** The scenario-facing driver over one forge's adapter and the git origin its repository is cloned from. */
export function composeDriver<Fake extends FakeServerControls>(
  origin: GitOrigin,
  adapter: ForgeAdapter<Fake>,
): ForgeDriver & { fake: Fake } {
  const { fake, hooks } = adapter;
  const pulls = new Map<number, PullRequestHandle>();
  let target: string | undefined;
  const post = (delivery: RawDelivery) => {
    if (!target) throw new Error('the forge driver is not connected to Sluice yet');
    return fetch(target, { method: 'POST', headers: delivery.headers, body: delivery.body });
  };
  const deliver = (event: string, payload: object | string, deliveryId?: string) =>
    post(adapter.sign(event, payload, deliveryId));
  const send = (hook: Hook) => deliver(hook.event, hook.payload);
  const known = (number: number) => {
    const pr = pulls.get(number);
    if (!pr) throw new Error(`the forge driver opened no pull request ${number}`);
    return pr;
  };

  const driver: ForgeDriver & { fake: Fake } = {
    name: adapter.name,
    fake,
    env: adapter.env,
    violations: fake.violations,
    requests: fake.requests,
    assertNoViolations: () => fake.assertNoViolations(),
    waitFor: (predicate, options) => fake.waitFor(predicate, options),
    close: () => fake.close(),
    connect(sluiceUrl, settings) {
      target = `${sluiceUrl}${adapter.webhookPath(settings)}`;
    },
    post,
    deliver,

    async createPullRequest(number, files, options = {}) {
      const branch = `feature-${number}`;
      const base = options.base ?? 'main';
      const fork = options.fromFork === true;
      const baseSha = await origin.git('rev-parse', base);
      const headSha = await origin.commit(branch, files, { from: base, fork });
      await adapter.setHeadRef(number, headSha);
      const pr: PullRequestHandle = {
        number,
        branch,
        headSha,
        base,
        baseSha,
        ...(fork ? { forkOwner: FORK_OWNER } : {}),
      };
      adapter.addPullRequest(pr, await origin.diff(baseSha, headSha));
      pulls.set(number, pr);
      return pr;
    },
    openedDelivery(pr, deliveryId) {
      const hook = hooks.opened(pr);
      return adapter.sign(hook.event, hook.payload, deliveryId);
    },
    async openPullRequest(number, files, options) {
      const pr = await driver.createPullRequest(number, files, options);
      await post(driver.openedDelivery(pr));
      return pr;
    },
    async push(pr, files) {
      const fork = pr.forkOwner !== undefined;
      const headSha = await origin.commit(pr.branch, files, { from: pr.branch, fork });
      await adapter.setHeadRef(pr.number, headSha);
      const next = { ...pr, headSha };
      adapter.movePullRequest(next, await origin.diff(pr.baseSha, headSha));
      pulls.set(pr.number, next);
      await send(hooks.pushed(pr, next));
      return next;
    },
    async comment(number, body, author = 'dev') {
      const pr = known(number);
      const id = adapter.addComment(pr, author, body);
      await send(hooks.commented(pr, author, body, id));
      return id;
    },
    async merge(pr) {
      const mergeSha = await origin.merge(pr.branch, pr.base, { fork: pr.forkOwner !== undefined });
      adapter.markMerged(pr, mergeSha);
      await send(hooks.merged(pr, mergeSha));
      return mergeSha;
    },
    async closePullRequest(pr) {
      adapter.markClosed(pr);
      await send(hooks.closed(pr));
    },
    approve: (pr, reviewer) => adapter.approve(pr, reviewer),
    setAccess: (user, access) => adapter.setAccess(user, access),
    isMerged: (number) => adapter.isMerged(number),
    comments: (number) => adapter.comments(number),
    statuses: (sha) => adapter.statuses(sha),
    latestStatuses: (sha) => new Map(adapter.statuses(sha).map((s) => [s.context, s])),
    timesStarted: (sha, context) => adapter.timesStarted(sha, context),
    shown: (state) => adapter.shown(state),
    reactions: () => adapter.reactions(),
    badDeliveries: (number, maxBytes) => adapter.badDeliveries(number, maxBytes),
  };
  return driver;
}

/** Polls `forge` until `sha` has a finished `context`; its state in the neutral vocabulary. */
export async function finishedStatus(
  forge: ForgeDriver,
  sha: string,
  context: string,
  timeoutMs = 90_000,
): Promise<NeutralStatus> {
  let status: NeutralStatus | undefined;
  await forge.waitFor(
    () => {
      const s = forge.latestStatuses(sha).get(context);
      status = s && s.state !== 'pending' ? s : undefined;
      return status !== undefined;
    },
    { timeoutMs },
  );
  return status as NeutralStatus;
}
