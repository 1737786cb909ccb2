import { randomBytes } from 'node:crypto';
import { type FakeGitLab, type StatusView, startFakeGitLab } from '../fakes/gitlab/fake-gitlab.js';
import { projectId } from '../fakes/gitlab/ids.js';
import type { AccessLevel } from '../fakes/gitlab/schemas/members.js';
import {
  type Access,
  authorOf,
  composeDriver,
  type ForgeAdapter,
  type ForgeDriver,
  type NeutralState,
  type NeutralStatus,
  OWNER,
  type PullRequestHandle,
  REPO,
  tampered,
  withoutHeaders,
} from './forge-driver.js';
import type { GitOrigin } from './git-origin.js';
import {
  type MergeRequestHookOptions,
  mergeRequestHook,
  noteHook,
  signGitlabDelivery,
} from './gitlab-webhooks.js';

export const GITLAB_WEBHOOK_SECRET = 'test-gitlab-webhook-secret-0123456789';
export const PROJECT = `${OWNER}/${REPO}`;

/** The project a fork MR's source branch lives in: `someone/infra` for a fork, else the project itself. */
const sourceProject = (pr: PullRequestHandle) => (pr.forkOwner ? `${pr.forkOwner}/${REPO}` : PROJECT);

/** GitLab roles for GitHub's words: Maintainer, Developer, Reporter, no membership. */
const ACCESS_LEVEL: Record<Access, AccessLevel> = { admin: 40, write: 30, read: 20, none: 0 };

/** GitLab's commit status states in GitHub's words; Sluice never sets `canceled` or `skipped`. */
const STATE: Record<StatusView['state'], NeutralState> = {
  created: 'pending',
  pending: 'pending',
  running: 'pending',
  success: 'success',
  failed: 'failure',
  canceled: 'error',
  skipped: 'error',
};

export interface GitlabDriver extends ForgeDriver {
  readonly name: 'gitlab';
  readonly fake: FakeGitLab;
}

/** A signing token as GitLab shows it: `whsec_` and 32 random bytes in base64. */
const newSigningToken = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * A fake GitLab holding project `acme/infra`, cloned from `origin`, driven like GitLab: merge requests
 * get `refs/merge-requests/<iid>/head`, deliveries carry the secret token and are signed (Sluice is
 * given the webhook's signing token, so a changed body is caught as on GitHub).
 */
export async function startGitlabDriver(origin: GitOrigin): Promise<GitlabDriver> {
  const fake = await startFakeGitLab();
  fake.addProject({ path: PROJECT, cloneUrl: origin.url });
  origin.onPush((branch, sha) => fake.setBranch(PROJECT, branch, sha));
  return composeDriver(origin, gitlabAdapter(fake, origin)) as GitlabDriver;
}

const mrHook = (
  pr: PullRequestHandle,
  action: MergeRequestHookOptions['action'],
  extra: Partial<MergeRequestHookOptions> = {},
) => ({
  event: 'Merge Request Hook',
  payload: mergeRequestHook({
    project: PROJECT,
    iid: pr.number,
    action,
    headSha: pr.headSha,
    sourceBranch: pr.branch,
    targetBranch: pr.base,
    sourceProject: sourceProject(pr),
    author: authorOf(pr),
    ...extra,
  }),
});

function gitlabAdapter(fake: FakeGitLab, origin: GitOrigin): ForgeAdapter<FakeGitLab> {
  const signingToken = newSigningToken();
  const sign = (event: string, payload: object | string, deliveryId?: string) =>
    signGitlabDelivery(GITLAB_WEBHOOK_SECRET, event, payload, { idempotencyKey: deliveryId, signingToken });
  const statuses = (sha: string): NeutralStatus[] =>
    fake
      .statuses(PROJECT, sha)
      .map((s) => ({ context: s.context, state: STATE[s.state], description: s.description ?? '' }));
  const update = (
    pr: PullRequestHandle,
    change: Omit<Parameters<FakeGitLab['updateMergeRequest']>[0], 'project' | 'iid'>,
  ) => fake.updateMergeRequest({ project: PROJECT, iid: pr.number, ...change });

  return {
    name: 'gitlab',
    fake,
    env: {
      GITLAB_URL: fake.url,
      GITLAB_TOKEN: fake.token,
      GITLAB_WEBHOOK_SECRET,
      GITLAB_WEBHOOK_SIGNING_TOKEN: signingToken,
    },
    webhookPath: (settings) => settings.gitlab?.webhookPath,
    setHeadRef: (iid, sha) => origin.setMergeRequestHead(iid, sha),
    addPullRequest(pr, files) {
      fake.addMergeRequest({
        project: PROJECT,
        iid: pr.number,
        sourceBranch: pr.branch,
        targetBranch: pr.base,
        headSha: pr.headSha,
        baseSha: pr.baseSha,
        author: authorOf(pr),
        sourceProjectId: projectId(sourceProject(pr)),
        files,
      });
    },
    movePullRequest: (pr, files) => update(pr, { headSha: pr.headSha, files }),
    markMerged: (pr, mergeSha) => update(pr, { state: 'merged', mergeCommitSha: mergeSha }),
    markClosed: (pr) => update(pr, { state: 'closed' }),
    addComment: (pr, author, body) => fake.addNote({ project: PROJECT, iid: pr.number, author, body }),
    hooks: {
      opened: (pr) => mrHook(pr, 'open'),
      // GitLab names the previous head (`oldrev`) only when commits were pushed.
      pushed: (previous, pr) => mrHook(pr, 'update', { oldrev: previous.headSha }),
      merged: (pr, mergeSha) => mrHook(pr, 'merge', { mergeCommitSha: mergeSha }),
      closed: (pr) => mrHook(pr, 'close'),
      commented: (pr, author, body, id) => ({
        event: 'Note Hook',
        payload: noteHook({
          project: PROJECT,
          iid: pr.number,
          body,
          author,
          noteId: id,
          sourceBranch: pr.branch,
          targetBranch: pr.base,
          sourceProject: sourceProject(pr),
          headSha: pr.headSha,
        }),
      }),
    },
    sign,
    approve(pr, reviewer = 'reviewer') {
      fake.addApproval({ project: PROJECT, iid: pr.number, user: reviewer });
    },
    setAccess: (user, access) => fake.setMemberAccess(PROJECT, user, ACCESS_LEVEL[access]),
    isMerged: (iid) => fake.mergeRequest(PROJECT, iid)?.state === 'merged',
    comments: (iid) =>
      fake.mergeRequest(PROJECT, iid)
        ? fake.comments(PROJECT, iid).map(({ id, body, user }) => ({ id, body, user }))
        : [],
    statuses,
    // GitLab keeps one record from start to finish; a new one starts only after the last finished.
    timesStarted: (sha, context) => statuses(sha).filter((s) => s.context === context).length,
    shown: (state) => (state === 'error' ? 'failure' : state),
    reactions: () =>
      fake.reactions.map(({ noteId, name, user }) => ({ commentId: noteId, content: name, user })),
    badDeliveries(iid, maxBytes) {
      const payload = mrHook(
        { number: iid, branch: 'x', headSha: 'a'.repeat(40), base: 'main', baseSha: '' },
        'open',
      ).payload;
      const good = sign('Merge Request Hook', payload);
      return {
        unsigned: withoutHeaders(
          good,
          'x-gitlab-token',
          'webhook-id',
          'webhook-timestamp',
          'webhook-signature',
        ),
        wrongSecret: signGitlabDelivery('not-the-secret', 'Merge Request Hook', payload, {
          signingToken: newSigningToken(),
        }),
        tampered: tampered(good, `"iid":${iid}`, `"iid":${iid - 1}`),
        malformed: sign('Merge Request Hook', '{"object_kind": "merge_request", '),
        oversize: sign('Merge Request Hook', `{"pad":"${'x'.repeat(maxBytes)}"}`),
        noEvent: withoutHeaders(good, 'x-gitlab-event'),
      };
    },
  };
}
