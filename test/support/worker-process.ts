import { type ChildProcess, spawn } from 'node:child_process';
import type { Harness } from './harness.js';

/**
 * A `sluice worker` in its own process, configured like the harness's server (GitHub, its backend and
 * data directory), so a test can kill or pause it. One node process (`--import tsx`, not npx): a signal
 * reaches the process that runs the jobs.
 */
export function startWorkerProcess(h: Harness, env: Record<string, string> = {}): ChildProcess {
  const s = h.settings;
  const github = s.github;
  if (!github?.baseUrl) throw new Error('the harness runs GitHub');
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'worker', '--concurrency', '2'], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      APP_ID: String(github.appId),
      PRIVATE_KEY: github.privateKey,
      WEBHOOK_SECRET: github.webhookSecret,
      GHE_HOST: new URL(github.baseUrl).host,
      GHE_PROTOCOL: 'http',
      ...(s.redisUrl ? { REDIS_URL: s.redisUrl, SLUICE_REDIS_PREFIX: s.redisPrefix } : {}),
      SLUICE_DATA_DIR: s.dataDir,
      LOG_LEVEL: 'warn',
      // Several workers on one machine: each its own free metrics port.
      SLUICE_METRICS_PORT: '0',
      SLUICE_GITHUB_THROTTLE: 'off',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Resolves once the process has exited, after sending it `signal` (default SIGKILL) if it still runs. */
export const stopped = (child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL') =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill(signal);
  });
