import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTextFromPlanOutput } from '../../src/runner/terraform/plan-output.js';
import { findTerraformTool, type ToolInfo } from '../../src/runner/tools.js';

const run = promisify(execFile);

/** The plan text from `plan`'s own output must be what `show` prints for the saved plan. */
describe('plan text from `plan` output equals `show` (real OpenTofu)', () => {
  let dir: string;
  let tool: ToolInfo;
  const env = { PATH: '/usr/bin:/bin', HOME: '', CHECKPOINT_DISABLE: '1' };
  const tf = async (...args: string[]) =>
    (await run(tool.path, args, { cwd: dir, env: { ...env, HOME: dir, TF_IN_AUTOMATION: '1' } })).stdout;
  const compare = async (automation = true) => {
    const planned = automation
      ? await tf('plan', '-input=false', '-no-color', '-out=p.tfplan')
      : (
          await run(tool.path, ['plan', '-input=false', '-no-color', '-out=p.tfplan'], {
            cwd: dir,
            env: { ...env, HOME: dir },
          })
        ).stdout;
    const shown = await tf('show', '-no-color', 'p.tfplan');
    expect(planTextFromPlanOutput(planned).trim()).toBe(shown.trim());
    return planned;
  };

  beforeAll(async () => {
    tool = await findTerraformTool();
    dir = await mkdtemp(join(tmpdir(), 'sluice-plan-output-'));
    await writeFile(
      join(dir, 'main.tf'),
      'resource "terraform_data" "a" {\n  input = "x"\n}\noutput "o" {\n  value = "y"\n}\n',
    );
    await tf('init', '-input=false', '-no-color');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a plan that creates resources and outputs (the "Saved the plan" trailer is dropped)', async () => {
    // Outside automation `plan` also prints the "Saved the plan to … run tofu apply" trailer.
    expect(await compare(false)).toContain('Saved the plan to');
    await compare();
  });

  it('an update after refresh (the refresh lines are dropped)', async () => {
    await tf('apply', '-input=false', '-no-color', '-auto-approve', 'p.tfplan');
    await writeFile(join(dir, 'main.tf'), 'resource "terraform_data" "a" {\n  input = "z"\n}\n');
    const planned = await compare();
    expect(planned).toContain('Refreshing state...');
  });

  it('no changes', async () => {
    await tf('apply', '-input=false', '-no-color', '-auto-approve', 'p.tfplan');
    const planned = await compare();
    expect(planned).toContain('No changes.');
  });
});
