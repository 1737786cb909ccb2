import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Step } from '../../src/config/workflow.js';
import type { Project } from '../../src/projects/types.js';
import { createMasker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { applyProject } from '../../src/runner/terraform/apply-project.js';
import { type PlanProjectOptions, planProject } from '../../src/runner/terraform/plan-project.js';
import { findTerraformTool, type ToolInfo } from '../../src/runner/tools.js';

const project: Project = {
  name: 'app',
  dir: 'app',
  workspace: 'default',
  type: 'terraform',
  reason: 'changed',
};
const sh = (script: string): Step => ({ kind: 'run', argv: ['sh', '-c', script] });
const builtin = (kind: 'init' | 'plan' | 'show' | 'apply'): Step => ({ kind, extraArgs: [] });
const DATABASE = 'the server database: must never change\n';

/**
 * A step plants a symlink where the server writes its own files, pointing at a file outside every
 * sandbox folder (standing in for the SQLite store or github-app.env). The server must not write
 * through it, and the user is told when something could not be written.
 */
describe('server writes after sandboxed Terraform steps never follow a planted link', () => {
  let root: string;
  let outside: string;
  let database: string;
  let tool: ToolInfo;
  let sandbox: Sandbox;
  let counter = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-writes-'));
    outside = await mkdtemp(join(tmpdir(), 'sluice-data-'));
    database = join(outside, 'sluice.db');
    await writeFile(database, DATABASE);
    await mkdir(join(root, 'checkout', 'app'), { recursive: true });
    await writeFile(
      join(root, 'checkout', 'app', 'main.tf'),
      'resource "terraform_data" "a" {\n  input = "a"\n}\n',
    );
    tool = await findTerraformTool();
    sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  const options = (steps: Step[]): PlanProjectOptions => ({
    project,
    checkoutDir: join(root, 'checkout'),
    artifactDir: join(root, 'artifacts', String(counter++)),
    tool,
    sandbox,
    providerCacheDir: join(root, 'provider-mirror'),
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    masker: createMasker([]),
    steps,
  });

  it('a link where the show-json output used to be written (the artifact folder) is not followed', async () => {
    const { result } = await planProject(
      options([builtin('init'), sh(`ln -s ${database} "$(dirname "$PLANFILE")/plan.json"`), builtin('plan')]),
    );
    expect(result.status).toBe('planned');
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });

  it('a link planted at SHOWFILE: the step cannot plant it, the plan fails and says why', async () => {
    const { result } = await planProject(
      options([builtin('init'), sh(`ln -s ${database} "$SHOWFILE"`), builtin('plan')]),
    );
    expect(result.status).toBe('failed');
    expect(result.error?.step).toBe('run sh');
    expect(result.error?.output).toMatch(/Read-only file system/);
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });

  it('a link planted at the plan file: the saved plan is not read through it, and the plan fails', async () => {
    const { result, planFile } = await planProject(
      options([builtin('init'), sh(`ln -s ${database} "$PLANFILE"`), builtin('plan')]),
    );
    expect(result.status).toBe('failed');
    expect(planFile).toBeUndefined();
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });

  it('an apply step cannot replace the reviewed plan or write through it; nothing is applied', async () => {
    const planned = await planProject(options([builtin('init'), builtin('plan')]));
    expect(planned.result.status).toBe('planned');
    const applied = await applyProject({
      ...options([
        sh(
          `rm -f "$PLANFILE"; ln -s ${database} "$PLANFILE" || { echo could not swap the plan >&2; exit 1; }`,
        ),
        builtin('apply'),
      ]),
      planFile: planned.planFile as Buffer,
      planJson: planned.planJson,
    });
    expect(applied.status).toBe('failed');
    expect(applied.error?.output).toContain('could not swap the plan');
    expect(applied.output).not.toContain('Apply complete');
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });
});
