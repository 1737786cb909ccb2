import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/config/workflow.js';
import type { Project } from '../../src/projects/types.js';
import { createMasker } from '../../src/runner/mask.js';
import { makeServerDir } from '../../src/runner/safe-write.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { type PlanProjectOptions, planProject } from '../../src/runner/terraform/plan-project.js';
import { runProjectStage } from '../../src/runner/terraform/project-stage.js';
import {
  fillProviderMirror,
  lockedProviders,
  packagePath,
  platform,
} from '../../src/runner/terraform/provider-mirror.js';
import { NO_RUN_FACTS } from '../../src/runner/terraform/run-stage.js';
import { findTerraformTool, type ToolInfo } from '../../src/runner/tools.js';

const run = promisify(execFile);
const project: Project = {
  name: 'app',
  dir: 'app',
  workspace: 'default',
  type: 'terraform',
  reason: 'changed',
};
const sh = (script: string): Step => ({ kind: 'run', argv: ['sh', '-c', script] });
const builtin = (kind: 'init' | 'plan'): Step => ({ kind, extraArgs: [] });
const FAKE = { address: 'example.com/acme/fake', version: '1.0.0' };

/** Every file under a folder, relative, with its size: what a poisoning would change. */
async function listing(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((e) => e.isFile());
  return Promise.all(
    files.map(
      async (e) =>
        `${join(e.parentPath, e.name).slice(dir.length)} ${(await stat(join(e.parentPath, e.name))).size}`,
    ),
  );
}

describe('provider caches: a read-only shared mirror and a private cache per job', () => {
  let root: string;
  let mirror: string;
  let tool: ToolInfo;
  let sandbox: Sandbox;
  let counter = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-cache-'));
    mirror = join(root, 'provider-mirror');
    tool = await findTerraformTool();
    sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
    // A package Sluice put in the mirror (packed layout: the registry's zip), for a provider only it has.
    const unpacked = join(root, 'fake-provider');
    await mkdir(unpacked, { recursive: true });
    await writeFile(join(unpacked, 'terraform-provider-fake_v1.0.0'), '#!/bin/sh\necho fake\n', {
      mode: 0o755,
    });
    const zip = packagePath(mirror, FAKE);
    await mkdir(join(zip, '..'), { recursive: true });
    await run('zip', ['-q', '-j', zip, join(unpacked, 'terraform-provider-fake_v1.0.0')]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  /** A pull request's checkout of its own, with `files` in the project. */
  async function pullRequest(files: Record<string, string>) {
    const dir = join(root, `pr-${counter++}`);
    await mkdir(join(dir, 'checkout', 'app'), { recursive: true });
    for (const [name, text] of Object.entries(files))
      await writeFile(join(dir, 'checkout', 'app', name), text);
    return dir;
  }
  const options = (dir: string, steps: Step[]): PlanProjectOptions => ({
    project,
    checkoutDir: join(dir, 'checkout'),
    artifactDir: join(dir, 'artifacts'),
    tool,
    sandbox,
    providerCacheDir: mirror,
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    masker: createMasker([]),
    steps,
  });
  const MAIN = 'resource "terraform_data" "a" {\n  input = "a"\n}\n';

  it('what one PR writes into the caches it sees is not seen by another, and the mirror is unchanged', async () => {
    const before = await listing(mirror);
    const poisoned = `registry.opentofu.org/hashicorp/aws/5.0.0/${platform()}`;
    const a = await planProject(
      options(await pullRequest({ 'main.tf': MAIN }), [
        builtin('init'),
        sh(
          [
            `mkdir -p "$TF_PLUGIN_CACHE_DIR/${poisoned}" && echo evil > "$TF_PLUGIN_CACHE_DIR/${poisoned}/terraform-provider-aws_v5.0.0" && echo wrote-private-cache`,
            `echo evil > ${mirror}/poison 2>&1 || echo mirror-refused`,
            `mkdir -p ${join(mirror, 'registry.opentofu.org/hashicorp/aws')} 2>&1 || echo mirror-refused-dir`,
          ].join('; '),
        ),
        builtin('plan'),
      ]),
    );
    expect(a.result.status).toBe('planned');
    expect(a.result.stepOutput).toContain('wrote-private-cache');
    expect(a.result.stepOutput).toContain('mirror-refused');
    expect(a.result.stepOutput).toContain('mirror-refused-dir');
    expect(a.result.stepOutput).toMatch(/Read-only file system/);
    expect(await listing(mirror)).toEqual(before);

    const b = await planProject(
      options(await pullRequest({ 'main.tf': MAIN }), [
        builtin('init'),
        sh(`find "$TF_PLUGIN_CACHE_DIR" ${mirror} -type f; echo listed`),
        builtin('plan'),
      ]),
    );
    expect(b.result.status).toBe('planned');
    expect(b.result.stepOutput).toContain('listed');
    expect(b.result.stepOutput).toContain('terraform-provider-fake_1.0.0');
    expect(b.result.stepOutput).not.toContain('terraform-provider-aws');
    expect(b.result.stepOutput).not.toContain('poison');
  });

  it('init installs a provider from the mirror without the network, checked against the lock file', async () => {
    const config = `terraform {\n  required_providers {\n    fake = {\n      source  = "${FAKE.address}"\n      version = "${FAKE.version}"\n    }\n  }\n}\n`;
    const dir = await pullRequest({ 'main.tf': config });
    // The lock file as `tofu providers lock` writes it from the mirror's package.
    await run(
      tool.path,
      ['providers', 'lock', `-platform=${platform()}`, `-fs-mirror=${mirror}`, FAKE.address],
      {
        cwd: join(dir, 'checkout', 'app'),
        env: { PATH: '/usr/bin:/bin', HOME: dir },
      },
    );
    const lock = await readFile(join(dir, 'checkout', 'app', '.terraform.lock.hcl'), 'utf8');
    expect(lockedProviders(lock)).toEqual([FAKE]);
    const before = await listing(mirror);

    const stage = await runStage(dir, [builtin('init')]);
    expect(stage?.failed?.stderr ?? '').toBe('');
    expect(stage?.status).toBe('done');
    const installed = join(
      dir,
      'checkout',
      'app',
      '.terraform',
      'providers',
      FAKE.address,
      FAKE.version,
      platform(),
    );
    expect(await readdir(installed)).toContain('terraform-provider-fake_v1.0.0');
    expect(await listing(mirror)).toEqual(before);
  });

  it('a locked provider the mirror lacks and nobody can fetch: init fails and says why; the mirror is unchanged', async () => {
    const config =
      'terraform {\n  required_providers {\n    other = {\n      source  = "example.com/acme/other"\n      version = "1.0.0"\n    }\n  }\n}\n';
    const lock =
      'provider "example.com/acme/other" {\n  version     = "1.0.0"\n  constraints = "1.0.0"\n  hashes = [\n    "h1:nJ66rZ2wAuobZWDZEQUVcUnqxKJVWg/PnHvSFCcxovA=",\n  ]\n}\n';
    const dir = await pullRequest({ 'main.tf': config, '.terraform.lock.hcl': lock });
    const before = await listing(mirror);
    const stage = await runStage(dir, [builtin('init')]);
    expect(stage?.status).toBe('failed');
    expect(stage?.failed?.stderr).toContain('example.com/acme/other');
    expect(await listing(mirror)).toEqual(before);
  });

  it('the fill runs only Sluice’s own configuration; offline it fails, says why, and adds nothing', async () => {
    const near = join(root, 'fill-near');
    await mkdir(near);
    const fill = (lockFile: string | undefined) =>
      fillProviderMirror({
        lockFile,
        mirror,
        near,
        tool,
        sandbox,
        timeoutMs: 60_000,
        signal: new AbortController().signal,
      });
    const before = await listing(mirror);
    expect(await fill(undefined)).toEqual({ skipped: 'no lock file' });
    expect(await fill(`provider "${FAKE.address}" {\n  version = "${FAKE.version}"\n}\n`)).toEqual({
      skipped: 'nothing missing',
    });
    const outcome = await fill('provider "registry.opentofu.org/hashicorp/null" {\n  version = "3.2.2"\n}\n');
    expect(outcome).toEqual({ failed: expect.stringMatching(/./) });
    expect(await listing(mirror)).toEqual(before);
    // Its scratch folder is gone.
    expect(await readdir(root)).not.toContainEqual(expect.stringMatching(/^fill-near\.sluice-/));
  });

  async function runStage(dir: string, steps: Step[]) {
    const opts = options(dir, steps);
    await mkdir(opts.artifactDir, { recursive: true });
    const serverDir = await makeServerDir(opts.artifactDir);
    return runProjectStage(opts, {
      name: 'plan',
      planFile: join(opts.artifactDir, 'plan.tfplan'),
      showFile: join(serverDir, 'plan.json'),
      serverDir,
      facts: NO_RUN_FACTS,
      builtin: () => [{ name: 'init', args: ['init', '-input=false', '-no-color'] }],
    });
  }
});
