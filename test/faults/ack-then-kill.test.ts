import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedJobQueue } from '../../src/queue/embedded/embedded-queue.js';
import { type FakeGitHub, startFakeGitHub } from '../fakes/github/fake-github.js';
import { pullRequestEvent, signDelivery } from '../support/github-webhooks.js';
import { freePort } from '../support/redis-server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SECRET = 'ack-then-kill-secret';
const LANES = 16;
/** Kill once this many deliveries were acknowledged: the server is then busy with the rest. */
const KILL_AFTER = 300;

/**
 * "Acknowledged = will be processed" on the embedded backend: deliveries stream in from 16 connections,
 * the server is SIGKILLed in the middle, and every delivery it had answered 202 has its job in the
 * database afterwards.
 */
describe('a server killed while it acknowledges deliveries (embedded backend)', () => {
  let fake: FakeGitHub;
  let dataDir: string;
  let server: ChildProcess;

  beforeAll(async () => {
    fake = await startFakeGitHub();
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-ack-kill-'));
  });
  afterAll(async () => {
    if (server?.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    await fake.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('keeps the job of every delivery it answered 202', async () => {
    const port = await freePort();
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'REDIS_URL'));
    server = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'server', '--workers', '0'], {
      cwd: ROOT,
      env: {
        ...env,
        APP_ID: String(fake.appId),
        PRIVATE_KEY: fake.privateKeyPem,
        WEBHOOK_SECRET: SECRET,
        GHE_HOST: new URL(fake.url).host,
        GHE_PROTOCOL: 'http',
        HOST: '127.0.0.1',
        PORT: String(port),
        LOG_LEVEL: 'warn',
        SLUICE_DATA_DIR: dataDir,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const exited = new Promise((resolve) => server.once('exit', resolve));
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${base}/readyz`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 300) throw new Error('the server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }

    let acknowledged = 0;
    let next = 0;
    const lane = async () => {
      for (;;) {
        const number = ++next;
        if (number > 5_000) return;
        const delivery = signDelivery(
          SECRET,
          'pull_request',
          pullRequestEvent('synchronize', {
            owner: 'acme',
            repo: 'infra',
            installationId: 1,
            number,
            headSha: number.toString(16).padStart(40, 'a'),
            baseSha: 'b'.repeat(40),
            branch: `feature-${number}`,
          }),
        );
        const status = await fetch(`${base}/api/github/webhooks`, {
          method: 'POST',
          headers: delivery.headers,
          body: delivery.body,
        }).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 0) return; // the server is gone
        expect(status).toBe(202);
        acknowledged += 1;
        if (acknowledged === KILL_AFTER) server.kill('SIGKILL');
      }
    };
    await Promise.all(Array.from({ length: LANES }, lane));
    await exited;
    expect(acknowledged).toBeGreaterThanOrEqual(KILL_AFTER);

    const queue = new EmbeddedJobQueue({ path: join(dataDir, 'sluice.db') });
    try {
      const counts = await queue.counts();
      // Each delivery is a distinct PR, so each 202 is one waiting job (a few more may have been stored
      // and not yet answered when the process died).
      expect(counts.waiting).toBeGreaterThanOrEqual(acknowledged);
      expect(counts.waiting).toBeLessThanOrEqual(acknowledged + LANES);
    } finally {
      await queue.close();
    }
  });
});
