import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitOrigin, type GitOrigin } from '../support/git-origin.js';
import { type HttpStateServer, startHttpStateServer } from './http-state-server.js';
import { cli } from './run-cli.js';

const USERNAME = 'plan-bot-7f3a';
const PASSWORD = 's3cret-Pa55-9c1e';

/** A project whose state lives behind the http backend of a local server that requires basic auth. */
const project = (address: string) => ({
  'infra/main.tf': [
    'terraform {',
    '  backend "http" {',
    `    address        = "${address}"`,
    `    lock_address   = "${address}"`,
    `    unlock_address = "${address}"`,
    '  }',
    '}',
    '',
    'resource "terraform_data" "web" {',
    '  input = "web"',
    '}',
    '',
  ].join('\n'),
});

describe('sluice plan with a remote backend that needs the developer’s credentials (real OpenTofu, real HTTP)', () => {
  let origin: GitOrigin;
  let server: HttpStateServer;
  let work: string;
  let scratch: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    server = await startHttpStateServer({ username: USERNAME, password: PASSWORD });
    origin = await createGitOrigin({ 'README.md': '# infra\n' });
    await origin.commit('feature', project(server.address));
    work = join(dirname(origin.bareDir), 'work');
    scratch = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
    await mkdir(join(scratch, 'tmp'));
    env = {
      TMPDIR: join(scratch, 'tmp'),
      XDG_CACHE_HOME: join(scratch, 'cache'),
      TF_HTTP_USERNAME: USERNAME,
      TF_HTTP_PASSWORD: PASSWORD,
    };
  });
  afterEach(async () => {
    await server.close();
    await origin.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  // The backend runs on this machine: the sandbox reaches it only when allowed by address.
  const plan = (args: string[], allow = true) =>
    cli(['plan', ...(allow ? ['--allow-host', new URL(server.address).host] : []), ...args], {
      cwd: work,
      env,
    });
  const noCredentials = (text: string) => {
    expect(text).not.toContain(USERNAME);
    expect(text).not.toContain(PASSWORD);
  };

  it('cannot reach a backend on this machine unless --allow-host names it', async () => {
    const { code, stdout } = await plan(['--pass-env', 'TF_HTTP_*'], false);
    expect(code).toBe(1);
    expect(stdout).toContain('**Plan failed at `init`**');
    expect(stdout).toMatch(/connection refused|Error refreshing state/);
    expect(server.requests).toEqual([]);
    noCredentials(stdout);
  });

  it('fails at init with the backend’s auth error when the credentials are not passed', async () => {
    const { code, stdout, stderr } = await plan([]);

    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe('## Plan failed for `infra`');
    expect(stdout).toContain('**Plan failed at `init`**');
    expect(stdout).toMatch(/HTTP remote state endpoint requires auth/);
    expect(stderr).not.toContain('passing');
    expect(server.requests.every((r) => r.endsWith(' 401'))).toBe(true);
    expect(server.requests.length).toBeGreaterThan(0);
    noCredentials(stdout + stderr);
  });

  it('plans with --pass-env TF_HTTP_*, naming the variables it passed but never their values', async () => {
    const { code, stdout, stderr } = await plan([
      '--pass-env',
      'TF_HTTP_*,AWS_PROFILE',
      '--format',
      'markdown',
    ]);

    expect(stderr).toContain(
      'sluice plan: passing 2 variables to the plan steps (values not shown): TF_HTTP_PASSWORD, TF_HTTP_USERNAME',
    );
    expect(stderr).toContain('sluice plan: not set here, so not passed: AWS_PROFILE');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('## 1 project planned: 1 to add, 0 to change, 0 to destroy');
    expect(stdout).toContain('Passed from your environment: `TF_HTTP_PASSWORD`, `TF_HTTP_USERNAME`.');
    expect(stdout).toContain('+   terraform_data.web\n');
    expect(stdout).toContain('A local plan applies nothing.');
    expect(stdout).not.toContain('comment');
    // The backend was really used, with the credentials: state read, locked and unlocked.
    expect(server.requests).toContain('GET 404');
    expect(server.requests).toContain('LOCK 200');
    expect(server.requests).toContain('UNLOCK 200');
    expect(server.requests.some((r) => r.endsWith(' 401'))).toBe(false);
    noCredentials(stdout + stderr);
  });

  it('passes the variables sluice.yaml lists under local.pass_env, and renders text and JSON', async () => {
    await writeFile(
      join(work, 'sluice.yaml'),
      'version: 1\nlocal:\n  pass_env: [TF_HTTP_USERNAME, TF_HTTP_PASSWORD]\n',
    );

    const text = await plan(['--format', 'text']);
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n');
    expect(lines[0]).toBe('1 project planned: 1 to add, 0 to change, 0 to destroy');
    expect(text.stdout).toContain('Passed from your environment: TF_HTTP_PASSWORD, TF_HTTP_USERNAME.');
    expect(text.stdout).toMatch(
      /\n {2}PROJECT +WORKSPACE +RESULT +TIME\n✓ infra +default +1 to add, 0 to change, 0 to destroy +\d+s\n/,
    );
    expect(text.stdout).toContain('── infra ──');
    expect(text.stdout).toMatch(/\n {2}\+ resource "terraform_data" "web" \{/);
    expect(text.stdout).not.toMatch(/<details>|<summary>|```/);
    // Not a terminal here: no colours.
    expect(text.stdout).not.toContain('\u001b[');
    noCredentials(text.stdout + text.stderr);

    const json = await plan(['--format', 'json']);
    expect(json.code).toBe(0);
    const document = JSON.parse(json.stdout);
    expect(document).toMatchObject({
      ok: true,
      passedEnv: ['TF_HTTP_PASSWORD', 'TF_HTTP_USERNAME'],
      mounts: [],
      network: true,
      projects: [{ name: 'infra', status: 'planned', summary: { add: 1, change: 0, destroy: 0 } }],
    });
    noCredentials(json.stdout + json.stderr);
  });

  it('refuses to pass a variable Sluice sets itself, and a --mount that does not exist', async () => {
    const reserved = await plan(['--pass-env', 'HOME']);
    expect(reserved.code).toBe(2);
    expect(reserved.stderr).toContain('`HOME` is set by Sluice itself');

    const missing = await plan(['--pass-env', 'TF_HTTP_*', '--mount', '~/.no-such-sluice-credentials']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--mount ~/.no-such-sluice-credentials:');
    expect(missing.stderr).toContain('does not exist');
  });

  it('shows a mounted credentials folder read-only, at the same place under the steps’ HOME', async () => {
    const home = join(scratch, 'home');
    await mkdir(join(home, '.config', 'acme'), { recursive: true });
    await writeFile(join(home, '.config', 'acme', 'token'), 'from-the-mount\n');
    // The project reads the file through HOME, as a provider reads ~/.aws/credentials.
    await writeFile(
      join(work, 'infra', 'read.tf'),
      'output "token_length" {\n  value = length(trimspace(file(pathexpand("~/.config/acme/token"))))\n}\n',
    );
    env.HOME = home;

    const { code, stdout, stderr } = await plan(['--pass-env', 'TF_HTTP_*', '--mount', '~/.config/acme']);

    expect(stderr).toContain('sluice plan: mounted read-only: ~/.config/acme');
    expect(code).toBe(0);
    expect(stdout).toContain('Mounted read-only: `~/.config/acme`.');
    expect(stdout).toContain('+   token_length = 14');
  });
});
