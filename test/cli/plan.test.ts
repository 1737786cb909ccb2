import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGitOrigin, type GitOrigin } from '../support/git-origin.js';
import { cli, runCli } from './run-cli.js';

const run = promisify(execFile);

const resource = (name: string) => `resource "terraform_data" "${name}" {\n  input = "${name}"\n}\n`;

/** main: two projects and some docs. */
const INITIAL = {
  'envs/prod/main.tf': resource('web'),
  'envs/dev/main.tf': resource('dev'),
  'docs/README.md': '# Infra\n',
};

describe('sluice plan on a local checkout (real git, real OpenTofu)', () => {
  let origin: GitOrigin;
  /** The clone a developer works in; createGitOrigin keeps it next to the bare repository. */
  let work: string;
  let scratch: string;
  /** The child's TMPDIR, where it copies the working tree. */
  let tmp: string;
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    origin = await createGitOrigin(INITIAL);
    work = join(dirname(origin.bareDir), 'work');
    scratch = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
    tmp = join(scratch, 'tmp');
    await mkdir(tmp);
    env = { TMPDIR: tmp, XDG_CACHE_HOME: join(scratch, 'cache') };
  });
  afterEach(async () => {
    await origin.destroy();
    await rm(scratch, { recursive: true, force: true });
  });

  const plan = (args: string[], cwd = work) => cli(['plan', ...args], { cwd, env });
  /** The copies of the working tree plans ran in (tsx keeps its own cache next to them). */
  const scratchCopies = async () => (await readdir(tmp)).filter((name) => name.startsWith('sluice-plan-'));
  const write = async (path: string, content: string) => {
    await mkdir(dirname(join(work, path)), { recursive: true });
    await writeFile(join(work, path), content);
  };

  it('plans what the branch changes, uncommitted and untracked files included, and prints the comment', async () => {
    await origin.commit('feature', { 'envs/prod/main.tf': INITIAL['envs/prod/main.tf'] + resource('api') });
    await write('envs/dev/main.tf', INITIAL['envs/dev/main.tf'] + resource('cache'));
    await write('envs/new/main.tf', resource('fresh'));
    const head = (await origin.git('rev-parse', 'HEAD')).slice(0, 7);

    const { code, stdout, stderr } = await plan([]);

    expect(stderr).toContain('planning 3 projects');
    expect(stderr).toContain('uncommitted changes included');
    expect(code).toBe(0);
    expect(stdout).not.toContain('<!--');
    expect(stdout.split('\n')[0]).toBe('## 3 projects planned: 5 to add, 0 to change, 0 to destroy');
    expect(stdout).toContain(`Sluice · commit \`${head}\` · OpenTofu `);
    expect(stdout).toContain(
      `Local plan of the working tree (\`feature\` at \`${head}\` plus uncommitted changes)`,
    );
    expect(stdout).toContain('- `envs/dev` — 2 to add, 0 to change, 0 to destroy');
    expect(stdout).toContain('- `envs/new` — 1 to add, 0 to change, 0 to destroy');
    expect(stdout).toContain('- `envs/prod` — 2 to add, 0 to change, 0 to destroy');
    for (const address of ['dev', 'cache', 'fresh', 'web', 'api']) {
      expect(stdout).toContain(`+   terraform_data.${address}\n`);
    }
    expect(stdout.indexOf('### `envs/dev`')).toBeLessThan(stdout.indexOf('### `envs/new`'));
    expect(stdout.indexOf('### `envs/new`')).toBeLessThan(stdout.indexOf('### `envs/prod`'));
    expect(stderr).toMatch(/✓ envs\/prod +2 to add, 0 to change, 0 to destroy/);

    // Plans ran in a copy: the checkout holds no .terraform, and the copy is gone.
    const status = await run('git', ['-C', work, 'status', '--porcelain', '--ignored']);
    expect(status.stdout.split('\n').filter(Boolean).sort()).toEqual([' M envs/dev/main.tf', '?? envs/new/']);
    expect(await scratchCopies()).toEqual([]);
  });

  it('plans the committed changes from --repo against --base, and says what it compared', async () => {
    await origin.commit('feature', { 'envs/dev/main.tf': resource('renamed') });
    const head = (await origin.git('rev-parse', 'HEAD')).slice(0, 7);
    const base = (await origin.git('rev-parse', 'main')).slice(0, 7);

    const { code, stdout, stderr } = await plan(['--repo', work, '--base', 'main'], scratch);

    expect(stderr).not.toContain('uncommitted');
    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('## 1 project planned: 1 to add, 0 to change, 0 to destroy');
    expect(stdout).toContain(
      `> Local plan of \`feature\` at \`${head}\`, compared with \`main\` (merge base \`${base}\`).`,
    );
    expect(stdout).toContain('### `envs/dev`');
    expect(stdout).toContain('+   terraform_data.renamed\n');
    expect(stdout).not.toContain('envs/prod');
  });

  it('exits 1 and shows the error when a project does not plan', async () => {
    await origin.commit('feature', {
      'envs/prod/main.tf': 'resource "terraform_data" "x" {\n  input = \n',
      'envs/dev/main.tf': INITIAL['envs/dev/main.tf'] + resource('more'),
    });

    const { code, stdout, stderr } = await plan([]);

    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe('## 1 of 2 projects failed');
    expect(stdout).toContain('**Plan failed at `init`**');
    expect(stdout).toContain('> Error: Invalid expression');
    expect(stdout).toContain('on main.tf line 2, in resource "terraform_data" "x":');
    expect(stdout).toContain('+   terraform_data.more\n');
    expect(stderr).toMatch(/✗ envs\/prod +failed at init/);
  });

  it('says there is nothing to plan and exits 0 when no project changed', async () => {
    await origin.commit('feature', { 'docs/README.md': '# Infrastructure\n' });
    await write('docs/notes.md', 'draft\n');

    const { code, stdout, stderr } = await plan([]);

    expect(code).toBe(0);
    expect(stdout).toBe('');
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(
      /^sluice plan: nothing to plan: no Terraform\/OpenTofu project changed since main \([0-9a-f]{7}\) in the working tree\.$/m,
    );
  });

  it('answers --format json with no projects when there is nothing to plan', async () => {
    await origin.commit('feature', { 'docs/README.md': '# Infrastructure\n' });

    const { code, stdout } = await plan(['--format', 'json']);

    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, projects: [], passedEnv: [] });
  });

  it('plans a project picked with -d even when it did not change', async () => {
    await origin.commit('feature', { 'docs/README.md': '# Infrastructure\n' });

    const { code, stdout } = await plan(['-d', 'envs/dev']);

    expect(code).toBe(0);
    expect(stdout.split('\n')[0]).toBe('## 1 project planned: 1 to add, 0 to change, 0 to destroy');
    expect(stdout).toContain('+   terraform_data.dev\n');
  });

  it.each([
    [['--bogus'], "error: unknown option '--bogus'"],
    [['stray'], 'unexpected argument "stray"'],
    [['-d', '../elsewhere'], 'points outside the repository'],
    [['-p', 'app', '-d', 'envs/prod'], 'cannot be combined with `-d` or `-w`'],
    [['--', '-chdir=/etc'], 'is not allowed after `--`'],
  ])('exits 2 with the usage for %j', async (args, message) => {
    const { code, stdout, stderr } = await plan(args);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain('(run `sluice plan --help` for usage)');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 for a base that does not exist, or outside a repository', async () => {
    const badBase = await plan(['--base', 'nope']);
    expect(badBase.code).toBe(2);
    expect(badBase.stderr).toContain('--base nope is not a commit, branch or tag');

    const outside = await plan([], scratch);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toContain('is not inside a git repository');
  });

  it('runs the workflow each project names in sluice.yaml, custom ones included', async () => {
    const sluiceYaml = [
      'version: 1',
      'projects:',
      '  - name: prod',
      '    dir: envs/prod',
      '    workflow: linted',
      '  - name: dev',
      '    dir: envs/dev',
      '    workflow: terragrunt',
      'workflows:',
      '  linted:',
      '    plan:',
      '      steps:',
      '        - init',
      '        - run: [sh, -c, \'echo "linted $SLUICE_PROJECT_NAME: pull=$PULL_NUM branch=$HEAD_BRANCH_NAME"\']',
      '        - plan',
      '',
    ].join('\n');
    await origin.commit('feature', {
      'envs/prod/main.tf': INITIAL['envs/prod/main.tf'] + resource('api'),
      'envs/dev/main.tf': INITIAL['envs/dev/main.tf'] + resource('more'),
      'sluice.yaml': sluiceYaml,
    });

    const { code, stdout, stderr } = await plan([]);

    expect(code).toBe(1);
    expect(stdout.split('\n')[0]).toBe('## 1 of 2 projects failed');
    // The custom workflow's `run` step ran in the plan, before the plan itself.
    expect(stdout).toContain('linted prod: pull=0 branch=feature');
    expect(stdout).toContain('+   terraform_data.api\n');
    // A workflow only a server config could define is not guessed at.
    expect(stdout).toContain(
      'Workflow `terragrunt` is not defined in `sluice.yaml`. A local plan has no server config, so it knows only the repository’s own workflows and `default`.',
    );
    expect(stdout).not.toContain('terraform_data.more');
    expect(stderr).toMatch(/✗ dev +failed at workflow/);
  });

  it('exits 2 with file:line:column when sluice.yaml is invalid, and plans nothing', async () => {
    await origin.commit('feature', {
      'envs/prod/main.tf': INITIAL['envs/prod/main.tf'] + resource('api'),
      'sluice.yaml': 'version: 1\nprojects:\n  - dir: envs/prod\n    workspce: staging\n',
    });

    const { code, stdout, stderr } = await plan([]);

    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('sluice plan: sluice.yaml is invalid; nothing was planned');
    expect(stderr).toContain('sluice.yaml:4:5: Unknown key `workspce` in a project.');
    expect(stderr).not.toContain('planning');
  });

  it('on SIGINT cancels the running plan, kills its process tree and cleans up', async () => {
    // A step that never ends (the sandbox has no host network to hang on): it says when it started.
    const sleeper = `sleep 600.${process.pid}`;
    await origin.commit('feature', {
      'sluice.yaml': `version: 1
projects:
  - dir: envs/slow
    workflow: slow
workflows:
  slow:
    plan:
      steps:
        - init
        - run: [sh, -c, "echo started > started-marker; exec ${sleeper}"]
        - plan
`,
      'envs/slow/main.tf': 'resource "terraform_data" "slow" {\n  input = "slow"\n}\n',
    });
    const started = async () => {
      for (const copy of await scratchCopies()) {
        const names: string[] = await readdir(join(tmp, copy, 'tree', 'envs', 'slow')).catch(() => []);
        if (names.includes('started-marker')) return true;
      }
      return false;
    };
    const running = async () =>
      (await promisify(execFile)('ps', ['-eo', 'args'])).stdout
        .split('\n')
        .some((line) => line.trim() === sleeper);
    const child = runCli(['plan'], { cwd: work, env });
    await expect.poll(started, { timeout: 60_000 }).toBe(true);
    expect(await running()).toBe(true);

    child.child.kill('SIGINT');

    expect(await child.exit).toBe(130);
    // The step is gone with the CLI, not left running behind it.
    await expect.poll(running, { timeout: 10_000 }).toBe(false);
    expect(child.stdout()).toBe('');
    expect(child.stderr()).toContain('SIGINT: cancelling the running plans');
    expect(child.stderr()).toContain('cancelled; nothing printed');
    expect(await scratchCopies()).toEqual([]);
  });
});
