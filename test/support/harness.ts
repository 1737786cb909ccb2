import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningSluice, startSluice } from '../../src/app.js';
import { loadSettings, type Settings } from '../../src/config/env.js';
import { createLogger } from '../../src/logger.js';
import { createMasker } from '../../src/runner/mask.js';
import type { FakeGitHub } from '../fakes/github/fake-github.js';
import type { FakeGitLab } from '../fakes/gitlab/fake-gitlab.js';
import type { WaitOptions } from '../fakes/shared/fake-server.js';
import { type BackendName, type ForgeDriver, type ForgeName, finishedStatus } from './forge-driver.js';
import { createGitOrigin, type FileSet, type GitOrigin } from './git-origin.js';
import { startGithubDriver } from './github-driver.js';
import { startGitlabDriver } from './gitlab-driver.js';

export type { BackendName, ForgeDriver, ForgeName, PullRequestHandle } from './forge-driver.js';
export { FORK_OWNER, OWNER, REPO } from './forge-driver.js';
export { INSTALLATION_ID, WEBHOOK_SECRET } from './github-driver.js';
export { GITLAB_WEBHOOK_SECRET, PROJECT } from './gitlab-driver.js';

/** The fake behind a forge: FakeGitHub for `github`, FakeGitLab for `gitlab`, either for the union. */
export type FakeOf<F extends ForgeName> = F extends 'github' ? FakeGitHub : FakeGitLab;

export interface HarnessOptions<F extends ForgeName> {
  /** Which fake forge Sluice talks to; `github` unless given. */
  forge?: F;
  /** `redis` (default): the run's redis-server; `embedded`: no REDIS_URL, SQLite in the harness's data dir. */
  backend?: BackendName;
  /** The Redis to use with the `redis` backend; the run's (vitest `inject('redisUrl')`) unless given. */
  redisUrl?: string;
  initialFiles: Record<string, string>;
  env?: Record<string, string>;
  workers?: number;
}

/** Opening, pushing, commenting, approving, merging and closing as the driver does them. */
type PullRequestFlows = Pick<
  ForgeDriver,
  'openPullRequest' | 'push' | 'comment' | 'approve' | 'merge' | 'closePullRequest'
>;

export interface Harness<F extends ForgeName = 'github'> extends PullRequestFlows {
  /** The fake forge itself, for what only one forge has; scenarios use `forge`. */
  fake: FakeOf<F>;
  /** The forge, the same way for every forge. */
  forge: ForgeDriver;
  backend: BackendName;
  origin: GitOrigin;
  sluice: RunningSluice;
  settings: Settings;
  /** Everything the server logged, as written (after masking). */
  logs: string[];
  /** POSTs raw bytes to the forge's webhook route. */
  post(headers: Record<string, string>, body: Buffer | string): Promise<Response>;
  /** Signs and sends a delivery like the forge does (`pull_request` on GitHub, `Merge Request Hook` on GitLab). */
  deliver(name: string, payload: object, deliveryId?: string): Promise<Response>;
  /** Commits straight to main (someone else's change landing first). */
  pushToMain(files: FileSet): Promise<string>;
  /** Waits until `context` on `sha` is set and not pending; the state in GitHub's words. */
  statusDone(
    sha: string,
    context: string,
    timeoutMs?: number,
  ): Promise<{ state: string; description: string }>;
  /** Polls until `predicate` holds; throws after `timeoutMs` (default 10 s). */
  waitFor(predicate: () => boolean | Promise<boolean>, options?: WaitOptions): Promise<void>;
  /** Sluice's replies (usage, refusals, unlock lists) on a PR, oldest first. */
  replies(number: number): string[];
  applyComments(number: number): string[];
  /** Waits until `sluice/plan` on `sha` is no longer pending. */
  planDone(sha: string, timeoutMs?: number): Promise<{ state: string; description: string }>;
  planComments(number: number): Array<{ id: number; body: string }>;
  close(): Promise<void>;
}

function startDriver(
  forge: ForgeName,
  origin: GitOrigin,
): Promise<ForgeDriver & { fake: FakeOf<ForgeName> }> {
  return forge === 'gitlab' ? startGitlabDriver(origin) : startGithubDriver(origin);
}

/**
 * Sluice on loopback against a fake forge and a real git origin, with real workers (OpenTofu in the
 * sandbox) on Redis or the embedded SQLite backend.
 */
export async function startHarness<F extends ForgeName = 'github'>(
  options: HarnessOptions<F>,
): Promise<Harness<F>> {
  const backend = options.backend ?? 'redis';
  const origin = await createGitOrigin(options.initialFiles);
  const driver = await startDriver(options.forge ?? 'github', origin);
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-data-'));
  // Imported here: benchmarks start harnesses outside vitest, always with a redisUrl.
  const redisUrl =
    backend === 'redis' ? (options.redisUrl ?? (await import('vitest')).inject('redisUrl')) : undefined;
  const settings = loadSettings({
    ...driver.env,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'info',
    ...(redisUrl ? { REDIS_URL: redisUrl, SLUICE_REDIS_PREFIX: `t-${randomUUID()}` } : {}),
    SLUICE_DATA_DIR: dataDir,
    SLUICE_SANDBOX: 'auto',
    SLUICE_SANDBOX_NETWORK: 'off',
    SLUICE_STEP_TIMEOUT_SECONDS: '120',
    // The fake GitHub has no rate limits; Octokit's 1 s spacing of writes would only slow the tests.
    SLUICE_GITHUB_THROTTLE: 'off',
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
  driver.connect(sluice.url ?? '', settings);
  const marked = (number: number, marker: string) =>
    driver.comments(number).filter((c) => c.body.includes(marker));

  return {
    fake: driver.fake as FakeOf<F>,
    forge: driver,
    backend,
    origin,
    sluice,
    settings,
    logs,
    post: (headers, body) => driver.post({ headers, body: Buffer.from(body) }),
    deliver: (name, payload, deliveryId) => driver.deliver(name, payload, deliveryId),
    openPullRequest: (number, files, options) => driver.openPullRequest(number, files, options),
    push: (pr, files) => driver.push(pr, files),
    comment: (number, body, author) => driver.comment(number, body, author),
    approve: (pr, reviewer) => driver.approve(pr, reviewer),
    merge: (pr) => driver.merge(pr),
    closePullRequest: (pr) => driver.closePullRequest(pr),
    pushToMain: (files) => origin.commit('main', files, { from: 'main' }),
    statusDone: (sha, context, timeoutMs) => finishedStatus(driver, sha, context, timeoutMs),
    planDone: (sha, timeoutMs) => finishedStatus(driver, sha, 'sluice/plan', timeoutMs),
    waitFor: (predicate, wait) => driver.waitFor(predicate, wait),
    replies: (number) => marked(number, '<!-- sluice:reply').map((c) => c.body),
    applyComments: (number) => marked(number, '<!-- sluice:apply').map((c) => c.body),
    planComments: (number) => marked(number, '<!-- sluice:plan').map(({ id, body }) => ({ id, body })),
    async close() {
      await sluice.close(5_000);
      await driver.close();
      await origin.destroy();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
