import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.js';
import { runCli } from './run-cli.js';

describe('sluice worker serves its own metrics and health', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-worker-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('answers /healthz, /readyz and /metrics on SLUICE_METRICS_PORT, and stops on SIGTERM', async () => {
    const run = runCli(['worker', '--concurrency', '1'], {
      cwd: dataDir,
      // The embedded backend: no Redis needed for a worker of its own database.
      env: {
        HOST: '127.0.0.1',
        SLUICE_DATA_DIR: dataDir,
        REDIS_URL: undefined,
        SLUICE_SANDBOX: 'none',
        LOG_LEVEL: 'info',
        // A free port, not the default 9464: other tests' workers may run beside this one.
        SLUICE_METRICS_PORT: String(await freePort()),
      },
    });
    try {
      const url = await waitFor(() => {
        for (const line of run.stdout().split('\n')) {
          if (line.includes('worker metrics and health listening'))
            return (JSON.parse(line) as { url: string }).url;
        }
        return undefined;
      }, run);

      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${url}/readyz`);
      expect(ready.status).toBe(200);
      const metrics = await fetch(`${url}/metrics`);
      expect(metrics.status).toBe(200);
      expect(metrics.headers.get('content-type')).toContain('text/plain');
      const text = await metrics.text();
      expect(text).toContain('# TYPE sluice_jobs_total counter');
      expect(text).toMatch(/\nsluice_queue_jobs\{state="waiting"\} 0\n/);
      expect(text).toMatch(/\nsluice_build_info\{version="\d+\.\d+\.\d+[^"]*"\} 1\n/);
      // Node's standard names, unprefixed, so stock Node.js dashboards work.
      expect(text).toContain('\nprocess_cpu_seconds_total ');
      expect(text).toContain('\nnodejs_eventloop_lag_seconds ');
      expect(text).not.toContain('sluice_process_');
      expect(text).not.toContain('sluice_nodejs_');
    } finally {
      run.child.kill('SIGTERM');
    }
    expect(await run.exit).toBe(0);
  });

  it('keeps running jobs, and says why, when its --metrics-port is taken', async () => {
    const blocker = await import('node:net').then(
      ({ createServer }) =>
        new Promise<import('node:net').Server>((resolve) => {
          const server = createServer();
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    );
    const port = (blocker.address() as import('node:net').AddressInfo).port;
    const run = runCli(['worker', '--metrics-port', String(port)], {
      cwd: dataDir,
      env: {
        HOST: '127.0.0.1',
        SLUICE_DATA_DIR: dataDir,
        REDIS_URL: undefined,
        SLUICE_SANDBOX: 'none',
        LOG_LEVEL: 'info',
      },
    });
    try {
      const line = await waitFor(
        () =>
          run
            .stdout()
            .split('\n')
            .find((l) => l.includes('worker metrics and health are not served')),
        run,
      );
      expect(JSON.parse(line)).toMatchObject({ level: 50, port });
      expect(run.child.exitCode).toBeNull();
    } finally {
      run.child.kill('SIGTERM');
      blocker.close();
    }
    expect(await run.exit).toBe(0);
  });
});

async function waitFor<T>(
  read: () => T | undefined,
  run: { stdout(): string; stderr(): string; child: { exitCode: number | null } },
): Promise<T> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the worker did not start: ${run.stderr()} ${run.stdout().slice(-1500)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
