import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/types.js';
import { createMasker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { planProject } from '../../src/runner/terraform/plan-project.js';
import { findTerraformTool, type ToolInfo } from '../../src/runner/tools.js';

const project = (dir: string, workspace = 'default'): Project => ({
  name: dir,
  dir,
  workspace,
  type: 'terraform',
  reason: 'changed',
});

describe('planProject with real OpenTofu in bubblewrap', () => {
  let root: string;
  let checkout: string;
  let secretDir: string;
  let tool: ToolInfo;
  let sandbox: Sandbox;
  const masker = createMasker(['SERVER-SECRET-VALUE-123456']);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-plan-'));
    checkout = join(root, 'checkout');
    secretDir = await mkdtemp(join(tmpdir(), 'sluice-secret-'));
    await writeFile(join(secretDir, 'key.pem'), 'SERVER-SECRET-VALUE-123456\n');
    tool = await findTerraformTool();
    sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [], hide: [secretDir] });
    const files: Record<string, string> = {
      'app/main.tf': `resource "terraform_data" "a" {\n  input = "a"\n}\nresource "terraform_data" "b" {\n  input = terraform.workspace\n}\noutput "ws" {\n  value = terraform.workspace\n}\n`,
      'broken/main.tf': 'resource "terraform_data" "x" {\n  input = \n',
      'thief/main.tf': `output "key" {\n  value = file("${join(secretDir, 'key.pem')}")\n}\n`,
    };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(checkout, path, '..'), { recursive: true });
      await writeFile(join(checkout, path), content);
    }
    await symlink('/etc', join(checkout, 'escape'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(secretDir, { recursive: true, force: true });
  });

  const plan = (p: Project, name: string, extra: { verbose?: boolean } = {}) =>
    planProject({
      ...extra,
      project: p,
      checkoutDir: checkout,
      artifactDir: join(root, 'artifacts', name),
      tool,
      sandbox,
      providerCacheDir: join(root, 'plugin-cache'),
      timeoutMs: 60_000,
      signal: new AbortController().signal,
      masker,
    });

  it('plans, summarises from the JSON plan and returns the saved plan', async () => {
    const { result, planFile, planJson } = await plan(project('app'), 'app');
    expect(result.status).toBe('planned');
    expect(result.summary).toMatchObject({ add: 2, change: 0, destroy: 0, outputChanges: ['ws'] });
    expect(result.planText).toContain('terraform_data.a will be created');
    expect(planFile?.length).toBeGreaterThan(100);
    expect(JSON.parse(planJson ?? '{}').resource_changes).toHaveLength(2);
    expect(result.tool.name).toBe(tool.name);
  });

  it('shows only the plan by default, and every step with --verbose', async () => {
    const quiet = await plan(project('app'), 'app-quiet');
    expect(quiet.result.stepOutput).toBeUndefined();
    const { result } = await plan(project('app'), 'app-verbose', { verbose: true });
    expect(result.stepOutput).toMatch(/^\$ tofu init|^\$ terraform init/m);
    expect(result.stepOutput).toContain('has been successfully initialized');
    expect(result.stepOutput).not.toContain('"resource_changes"');
  });

  it('selects (and creates) a non-default workspace', async () => {
    const { result } = await plan(project('app', 'staging'), 'app-staging');
    expect(result.status).toBe('planned');
    expect(result.planText).toContain('"staging"');
  });

  it('reports an invalid configuration with the tool error', async () => {
    const { result, planFile } = await plan(project('broken'), 'broken');
    expect(result.status).toBe('failed');
    expect(result.error?.step).toMatch(/init|plan/);
    expect(result.error?.message).toMatch(/^Error: /);
    expect(result.error?.output).toContain('main.tf');
    expect(planFile).toBeUndefined();
  });

  it('cannot read a file the server hides', async () => {
    const { result } = await plan(project('thief'), 'thief');
    expect(result.status).toBe('failed');
    expect(JSON.stringify(result)).not.toContain('SERVER-SECRET-VALUE-123456');
  });

  it('refuses a project directory that resolves outside the checkout', async () => {
    const { result } = await plan(project('escape'), 'escape');
    expect(result.status).toBe('failed');
    expect(result.error?.step).toBe('checkout');
  });
});
