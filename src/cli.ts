#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { startSluice } from './app.js';
import { loadSettings } from './config/env.js';
import { runConfigCommand } from './config/validate-command.js';
import { SluiceError } from './errors.js';
import { runPlanCommand } from './local/plan-command.js';

const USAGE = `Usage:
  sluice server [--workers N] [--config FILE]   serve webhooks; with --workers also run N plan jobs at a time in this process
  sluice worker [--concurrency N] [--config FILE]   run plan jobs from the queue (default 2 at a time)
  sluice config validate [path] [--kind server|repo|atlantis]   check a config file; print file:line:column: message
  sluice plan [--base <ref>] [-p|-d|-w ...]   plan this checkout's changes locally; print the comment (--help)
  sluice help

Configuration comes from environment variables; see README.md.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  if (command === 'plan') return runPlanCommand(rest);
  if (command === 'config')
    return runConfigCommand(rest, {
      out: console.log,
      err: console.error,
      cwd: process.cwd(),
      env: process.env,
    });
  const { values } = parseArgs({
    args: rest,
    options: { workers: { type: 'string' }, concurrency: { type: 'string' }, config: { type: 'string' } },
    strict: true,
  });
  const count = (value: string | undefined, fallback: number, flag: string) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0)
      throw new SluiceError('SERVER_CONFIG_INVALID', `${flag} takes a whole number`);
    return n;
  };
  let roles: { server: boolean; workers: number };
  if (command === 'server') roles = { server: true, workers: count(values.workers, 0, '--workers') };
  else if (command === 'worker')
    roles = { server: false, workers: count(values.concurrency, 2, '--concurrency') || 1 };
  else {
    console.error(`sluice: unknown command "${command}"\n\n${USAGE}`);
    return 2;
  }

  // --config FILE: the server config (admin rules per repository); same as SLUICE_CONFIG.
  const env = values.config ? { ...process.env, SLUICE_CONFIG: values.config } : process.env;
  const sluice = await startSluice(loadSettings(env), roles);
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      sluice.logger.info({ signal }, 'shutting down: finishing running jobs');
      sluice.close().then(resolve, (error) => {
        sluice.logger.error({ err: error }, 'shutdown failed');
        resolve();
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(error instanceof SluiceError ? `sluice: ${error.message}` : error);
    process.exit(1);
  },
);
