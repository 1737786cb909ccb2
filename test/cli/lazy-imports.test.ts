import { describe, expect, it, vi } from 'vitest';
import { runCli } from '../../src/cli/program.js';

/** Which command modules were loaded: each mock's factory runs only when its module is imported. */
const loaded = vi.hoisted(() => new Set<string>());
vi.mock('../../src/cli/run-service.js', () => {
  loaded.add('run-service (app, Fastify, Probot, BullMQ, …)');
  return { runService: async () => 0 };
});
vi.mock('../../src/local/plan-command.js', () => {
  loaded.add('plan-command');
  return { runPlanCommand: async () => 0 };
});
vi.mock('../../src/config/validate-command.js', () => {
  loaded.add('validate-command');
  return { validateConfigFile: () => 0 };
});

const io = () => ({
  stdout: { write: () => true },
  stderr: { write: () => true },
  env: {},
  cwd: '/',
});

describe('the command line loads a command’s code only when that command runs', () => {
  it('answers --help, every command’s --help, --version and usage errors without loading any command', async () => {
    for (const args of [
      ['--help'],
      ['--version'],
      ['server', '--help'],
      ['worker', '--help'],
      ['plan', '--help'],
      ['config', 'validate', '--help'],
      ['help', 'plan'],
      ['bogus'],
      ['worker', '--concurrency', 'x'],
    ]) {
      await runCli(args, io());
    }
    expect([...loaded]).toEqual([]);
  });

  it('loads just the command it runs', async () => {
    await runCli(['config', 'validate', 'x.yaml'], io());
    expect([...loaded]).toEqual(['validate-command']);
    await runCli(['plan'], io());
    expect([...loaded]).toEqual(['validate-command', 'plan-command']);
  });
});
