import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { cli } from './run-cli.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const run = (args: string[]) => cli(args, { cwd: tmpdir() });
/** A stack trace's frame line: what a user must never see for a usage problem. */
const STACK = /\n\s+at /;

describe('the sluice command line', () => {
  it.each([
    [['--help'], 'Usage: sluice [options] [command]'],
    [['help'], 'Usage: sluice [options] [command]'],
    [['server', '--help'], 'Usage: sluice server [options]'],
    [['help', 'server'], 'Usage: sluice server [options]'],
    [['worker', '--help'], 'Usage: sluice worker [options]'],
    [['worker', '-h'], 'Usage: sluice worker [options]'],
    [['plan', '--help'], 'Usage: sluice plan [--base <ref>]'],
    [['config', '--help'], 'Usage: sluice config [options] [command]'],
    [['config', 'validate', '--help'], 'Usage: sluice config validate [options] [path]'],
  ])('%j prints the usage on stdout and exits 0', async (args, usage) => {
    const { code, stdout, stderr } = await run(args);

    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.startsWith(usage)).toBe(true);
    expect(stdout).toContain('-h, --help');
  });

  it('lists every command and the exit statuses in the top-level help', async () => {
    const { stdout } = await run(['--help']);

    for (const command of ['server', 'worker', 'plan', 'config', 'help']) {
      expect(stdout).toMatch(new RegExp(`\\n  ${command} `));
    }
    expect(stdout).toContain('Exit status: 0 done, 1 failed');
    expect(stdout).toContain('2 usage or configuration error');
  });

  it.each([['--version'], ['-V']])('%s prints the version from package.json', async (flag) => {
    expect(await run([flag])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it.each([
    [['deploy'], "error: unknown command 'deploy'", 'sluice --help'],
    [['plna'], "error: unknown command 'plna'\n(Did you mean plan?)", 'sluice --help'],
    [['--bogus'], "error: unknown option '--bogus'", 'sluice --help'],
    [['server', '--port', '80'], "error: unknown option '--port'", 'sluice server --help'],
    [
      ['worker', '--concurrency', 'lots'],
      "option '--concurrency <n>' argument 'lots' is invalid",
      'sluice worker --help',
    ],
    [['worker', '--concurrency', '0'], 'takes a whole number of at least 1', 'sluice worker --help'],
    [['server', '--workers'], "error: option '--workers <n>' argument missing", 'sluice server --help'],
    [['server', 'extra'], 'error: too many arguments for', 'sluice server --help'],
    [['config', 'lint'], "error: unknown command 'lint'", 'sluice config --help'],
    [
      ['config', 'validate', '--kind', 'helm'],
      'Allowed choices are server, repo, atlantis',
      'sluice config validate --help',
    ],
    [
      ['config', 'validate', 'a.yaml', 'b.yaml'],
      'error: too many arguments',
      'sluice config validate --help',
    ],
  ])('%j exits 2 with a clear message and no stack trace', async (args, message, help) => {
    const { code, stdout, stderr } = await run(args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain(`(run \`${help}\` for usage)`);
    expect(stderr).not.toMatch(STACK);
  });

  it('shows the help on stderr and exits 2 when no command is given', async () => {
    const { code, stdout, stderr } = await run([]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('Usage: sluice [options] [command]');
  });

  it('exits 2 with the variable named, no stack trace, when the environment is invalid', async () => {
    const { code, stderr } = await cli(['worker'], {
      cwd: tmpdir(),
      env: { SLUICE_STEP_TIMEOUT_SECONDS: 'soon' },
    });

    expect(code).toBe(2);
    expect(stderr).toContain('sluice: invalid environment:');
    expect(stderr).toContain('SLUICE_STEP_TIMEOUT_SECONDS');
    expect(stderr).not.toMatch(STACK);
  });
});
