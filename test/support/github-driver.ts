import { type FakeGitHub, startFakeGitHub } from '../fakes/github/fake-github.js';
import {
  authorOf,
  composeDriver,
  type ForgeAdapter,
  type ForgeDriver,
  type NeutralStatus,
  OWNER,
  type PullRequestHandle,
  REPO,
  tampered,
  withoutHeaders,
} from './forge-driver.js';
import type { GitOrigin } from './git-origin.js';
import { issueCommentEvent, pullRequestEvent, signDelivery } from './github-webhooks.js';

export const INSTALLATION_ID = 4242;
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface GithubDriver extends ForgeDriver {
  readonly name: 'github';
  readonly fake: FakeGitHub;
}

/** A fake GitHub (Enterprise layout) holding `acme/infra`, cloned from `origin`, driven like GitHub. */
export async function startGithubDriver(origin: GitOrigin): Promise<GithubDriver> {
  const fake = await startFakeGitHub();
  fake.addRepo({ owner: OWNER, name: REPO, cloneUrl: origin.url, installationId: INSTALLATION_ID });
  origin.onPush((branch, sha) => fake.setBranch(OWNER, REPO, branch, sha));
  return composeDriver(origin, githubAdapter(fake, origin)) as GithubDriver;
}

const repoOpts = { owner: OWNER, repo: REPO, installationId: INSTALLATION_ID };

const prEvent = (pr: PullRequestHandle) => ({
  ...repoOpts,
  number: pr.number,
  headSha: pr.headSha,
  baseSha: pr.baseSha,
  baseRef: pr.base,
  branch: pr.branch,
  // A fork PR is opened by the fork's owner; other PRs keep the example's author.
  ...(pr.forkOwner ? { forkOwner: pr.forkOwner, author: pr.forkOwner } : {}),
});

function githubAdapter(fake: FakeGitHub, origin: GitOrigin): ForgeAdapter<FakeGitHub> {
  const sign = (event: string, payload: object | string, deliveryId?: string) =>
    signDelivery(WEBHOOK_SECRET, event, payload, { deliveryId });
  const statuses = (sha: string): NeutralStatus[] =>
    fake
      .statuses(OWNER, REPO, sha)
      .map((s) => ({ context: s.context, state: s.state, description: s.description ?? '' }));
  const update = (
    pr: PullRequestHandle,
    change: Omit<Parameters<FakeGitHub['updatePullRequest']>[0], 'owner' | 'repo' | 'number'>,
  ) => fake.updatePullRequest({ owner: OWNER, repo: REPO, number: pr.number, ...change });

  return {
    name: 'github',
    fake,
    env: {
      APP_ID: String(fake.appId),
      PRIVATE_KEY: fake.privateKeyPem,
      WEBHOOK_SECRET,
      GHE_HOST: new URL(fake.url).host,
      GHE_PROTOCOL: 'http',
    },
    webhookPath: (settings) => settings.github?.webhookPath,
    setHeadRef: (number, sha) => origin.setPullHead(number, sha),
    addPullRequest(pr, files) {
      fake.addPullRequest({
        owner: OWNER,
        repo: REPO,
        number: pr.number,
        head: { ref: pr.branch, sha: pr.headSha },
        base: { ref: pr.base, sha: pr.baseSha },
        author: authorOf(pr),
        forkOwner: pr.forkOwner,
        forkCloneUrl: pr.forkOwner ? origin.forkUrl : undefined,
        files,
      });
    },
    movePullRequest: (pr, files) => update(pr, { head: { ref: pr.branch, sha: pr.headSha }, files }),
    markMerged: (pr, mergeSha) => update(pr, { state: 'merged', mergeCommitSha: mergeSha }),
    markClosed: (pr) => update(pr, { state: 'closed' }),
    addComment: (pr, author, body) => fake.addComment(OWNER, REPO, pr.number, author, body).id,
    hooks: {
      opened: (pr) => ({ event: 'pull_request', payload: pullRequestEvent('opened', prEvent(pr)) }),
      pushed: (_previous, pr) => ({
        event: 'pull_request',
        payload: pullRequestEvent('synchronize', prEvent(pr)),
      }),
      merged: (pr, mergeSha) => ({
        event: 'pull_request',
        payload: pullRequestEvent('closed', { ...prEvent(pr), merged: true, mergeSha }),
      }),
      closed: (pr) => ({ event: 'pull_request', payload: pullRequestEvent('closed', prEvent(pr)) }),
      commented: (pr, author, body, id) => ({
        event: 'issue_comment',
        payload: issueCommentEvent({ ...repoOpts, number: pr.number, body, author, commentId: id }),
      }),
    },
    sign,
    approve(pr, reviewer = 'reviewer') {
      fake.addReview({
        owner: OWNER,
        repo: REPO,
        number: pr.number,
        user: reviewer,
        state: 'APPROVED',
        commitId: pr.headSha,
      });
    },
    setAccess: (user, access) => fake.setPermission(OWNER, REPO, user, access),
    isMerged: (number) => fake.pullRequest(OWNER, REPO, number)?.merged === true,
    comments: (number) =>
      fake.comments(OWNER, REPO, number).map(({ id, body, user }) => ({ id, body, user })),
    statuses,
    // One `pending` a run: Sluice starts a status once and finishes it once.
    timesStarted: (sha, context) =>
      statuses(sha).filter((s) => s.context === context && s.state === 'pending').length,
    shown: (state) => state,
    reactions: () => fake.reactions.map(({ commentId, content, user }) => ({ commentId, content, user })),
    badDeliveries(number, maxBytes) {
      const payload = pullRequestEvent('opened', {
        ...repoOpts,
        number,
        headSha: 'a'.repeat(40),
        baseSha: 'b'.repeat(40),
        branch: 'x',
      });
      const good = sign('pull_request', payload);
      return {
        unsigned: withoutHeaders(good, 'x-hub-signature-256'),
        wrongSecret: signDelivery('not-the-secret', 'pull_request', payload),
        tampered: tampered(good, `"number":${number}`, `"number":${number - 1}`),
        malformed: sign('pull_request', '{"action": "opened", '),
        oversize: sign('pull_request', `{"pad":"${'x'.repeat(maxBytes)}"}`),
        noEvent: withoutHeaders(good, 'x-github-event'),
      };
    },
  };
}
