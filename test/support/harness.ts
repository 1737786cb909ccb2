import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningSluice, startSluice } from '../../src/app.js';
import { loadSettings, type Settings } from '../../src/config/env.js';
import { createLogger } from '../../src/logger.js';
import { createMasker } from '../../src/runner/mask.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github/fake-github.js';
import { createGitOrigin, type FileSet, type GitOrigin } from './git-origin.js';
import { issueCommentEvent, pullRequestEvent, signDelivery } from './github-webhooks.js';

export const OWNER = 'acme';
export const REPO = 'infra';
export const INSTALLATION_ID = 4242;
export const WEBHOOK_SECRET = 'test-webhook-secret-0123456789';

export interface PullRequestHandle {
  number: number;
  branch: string;
  headSha: string;
  baseSha: string;
}

export interface Harness {
  fake: FakeGitHub;
  origin: GitOrigin;
  sluice: RunningSluice;
  settings: Settings;
  /** Everything the server logged, as written (after masking). */
  logs: string[];
  /** POSTs raw bytes to the webhook route. */
  post(headers: Record<string, string>, body: Buffer | string): Promise<Response>;
  /** Signs and sends a delivery like GitHub does. */
  deliver(name: string, payload: object, deliveryId?: string): Promise<Response>;
  openPullRequest(number: number, files: FileSet): Promise<PullRequestHandle>;
  push(pr: PullRequestHandle, files: FileSet): Promise<PullRequestHandle>;
  /** A person comments on the PR (delivered as GitHub does); returns the comment id. */
  comment(number: number, body: string, author?: string): Promise<number>;
  /** A reviewer approves the PR's current head. */
  approve(pr: PullRequestHandle, reviewer?: string): void;
  /** Merges the PR into main in the origin (a real merge commit) and delivers `closed` with merged. */
  merge(pr: PullRequestHandle): Promise<string>;
  /** Closes the PR without merging. */
  closePullRequest(pr: PullRequestHandle): Promise<void>;
  /** Commits straight to main (someone else's change landing first). */
  pushToMain(files: FileSet): Promise<string>;
  /** Waits until `context` on `sha` is set and not pending. */
  statusDone(
    sha: string,
    context: string,
    timeoutMs?: number,
  ): Promise<{ state: string; description: string }>;
  /** Sluice's replies (usage, refusals, unlock lists) on a PR, oldest first. */
  replies(number: number): string[];
  applyComments(number: number): string[];
  /** Waits until `sluice/plan` on `sha` is no longer pending. */
  planDone(sha: string, timeoutMs?: number): Promise<{ state: string; description: string }>;
  planComments(number: number): Array<{ id: number; body: string }>;
  close(): Promise<void>;
}

export async function startHarness(options: {
  redisUrl: string;
  initialFiles: Record<string, string>;
  env?: Record<string, string>;
  workers?: number;
}): Promise<Harness> {
  const fake = await startFakeGitHub();
  const origin = await createGitOrigin(options.initialFiles);
  fake.addRepo({ owner: OWNER, name: REPO, cloneUrl: origin.url, installationId: INSTALLATION_ID });
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-data-'));
  const host = new URL(fake.url).host;
  const settings = loadSettings({
    APP_ID: String(fake.appId),
    PRIVATE_KEY: fake.privateKeyPem,
    WEBHOOK_SECRET,
    GHE_HOST: host,
    GHE_PROTOCOL: 'http',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    REDIS_URL: options.redisUrl,
    SLUICE_REDIS_PREFIX: `t-${randomUUID()}`,
    SLUICE_DATA_DIR: dataDir,
    SLUICE_SANDBOX: 'auto',
    SLUICE_SANDBOX_NETWORK: 'off',
    SLUICE_STEP_TIMEOUT_SECONDS: '120',
    ...options.env,
  });
  const logs: string[] = [];
  const masker = createMasker(settings.secrets);
  const logger = createLogger({
    level: 'info',
    mask: (line) => masker.mask(line),
    destination: new Writable({
      write(chunk, _encoding, done) {
        logs.push(String(chunk));
        done();
      },
    }),
  });
  const sluice = await startSluice(settings, { server: true, workers: options.workers ?? 2 }, { logger });
  const url = `${sluice.url}${settings.github?.webhookPath}`;
  const pulls = new Map<number, PullRequestHandle>();

  const post = (headers: Record<string, string>, body: Buffer | string) =>
    fetch(url, { method: 'POST', headers, body });
  const deliver = (name: string, payload: object, deliveryId?: string) => {
    const signed = signDelivery(WEBHOOK_SECRET, name, payload, { deliveryId });
    return post(signed.headers, signed.body);
  };
  const repoOpts = { owner: OWNER, repo: REPO, installationId: INSTALLATION_ID };
  const statusDone = async (sha: string, context: string, timeoutMs = 90_000) => {
    let status: { state: string; description: string } | undefined;
    await fake.waitFor(
      () => {
        const s = fake.latestStatuses(OWNER, REPO, sha).get(context);
        status =
          s && s.state !== 'pending' ? { state: s.state, description: s.description ?? '' } : undefined;
        return Boolean(status);
      },
      { timeoutMs },
    );
    return status as { state: string; description: string };
  };

  return {
    fake,
    origin,
    sluice,
    settings,
    logs,
    post,
    deliver,
    async openPullRequest(number, files) {
      const branch = `feature-${number}`;
      const baseSha = await origin.git('rev-parse', 'main');
      const headSha = await origin.commit(branch, files, { from: 'main' });
      await origin.setPullHead(number, headSha);
      fake.addPullRequest({
        owner: OWNER,
        repo: REPO,
        number,
        head: { ref: branch, sha: headSha },
        base: { ref: 'main', sha: baseSha },
        author: 'dev',
        files: await origin.diff(baseSha, headSha),
      });
      const handle = { number, branch, headSha, baseSha };
      pulls.set(number, handle);
      await deliver(
        'pull_request',
        pullRequestEvent('opened', { ...repoOpts, number, headSha, baseSha, branch }),
      );
      return handle;
    },
    async push(pr, files) {
      const headSha = await origin.commit(pr.branch, files, { from: pr.branch });
      await origin.setPullHead(pr.number, headSha);
      fake.updatePullRequest({
        owner: OWNER,
        repo: REPO,
        number: pr.number,
        head: { ref: pr.branch, sha: headSha },
        files: await origin.diff(pr.baseSha, headSha),
      });
      const next = { ...pr, headSha };
      pulls.set(pr.number, next);
      await deliver(
        'pull_request',
        pullRequestEvent('synchronize', {
          ...repoOpts,
          number: pr.number,
          headSha,
          baseSha: pr.baseSha,
          branch: pr.branch,
        }),
      );
      return next;
    },
    planDone(sha, timeoutMs = 90_000) {
      return statusDone(sha, 'sluice/plan', timeoutMs);
    },
    statusDone,
    async comment(number, body, author = 'dev') {
      const { id } = fake.addComment(OWNER, REPO, number, author, body);
      await deliver('issue_comment', issueCommentEvent({ ...repoOpts, number, body, author, commentId: id }));
      return id;
    },
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
    async merge(pr) {
      const mergeSha = await origin.merge(pr.branch, 'main');
      fake.updatePullRequest({
        owner: OWNER,
        repo: REPO,
        number: pr.number,
        state: 'merged',
        mergeCommitSha: mergeSha,
      });
      await deliver(
        'pull_request',
        pullRequestEvent('closed', {
          ...repoOpts,
          number: pr.number,
          headSha: pr.headSha,
          baseSha: pr.baseSha,
          branch: pr.branch,
          merged: true,
          mergeSha,
        }),
      );
      return mergeSha;
    },
    async closePullRequest(pr) {
      fake.updatePullRequest({ owner: OWNER, repo: REPO, number: pr.number, state: 'closed' });
      await deliver(
        'pull_request',
        pullRequestEvent('closed', {
          ...repoOpts,
          number: pr.number,
          headSha: pr.headSha,
          baseSha: pr.baseSha,
          branch: pr.branch,
        }),
      );
    },
    pushToMain(files) {
      return origin.commit('main', files, { from: 'main' });
    },
    replies(number) {
      return fake
        .comments(OWNER, REPO, number)
        .filter((c) => c.body.includes('<!-- sluice:reply'))
        .map((c) => c.body);
    },
    applyComments(number) {
      return fake
        .comments(OWNER, REPO, number)
        .filter((c) => c.body.includes('<!-- sluice:apply'))
        .map((c) => c.body);
    },
    planComments(number) {
      return fake
        .comments(OWNER, REPO, number)
        .filter((c) => c.body.includes('<!-- sluice:plan'))
        .map((c) => ({ id: c.id, body: c.body }));
    },
    async close() {
      await sluice.close(5_000);
      await fake.close();
      await origin.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
