import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../../projects/types.js';
import type { Masker } from '../mask.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult } from '../types.js';
import { insideCheckout, stepError, stepRunner, workspaceSteps } from './steps.js';

export interface ApplyProjectOptions {
  project: Project;
  /** A checkout of the commit the plan was made from. */
  checkoutDir: string;
  artifactDir: string;
  /** The reviewed, saved plan: exactly what runs. */
  planFile: Buffer;
  tool: ToolInfo;
  sandbox: Sandbox;
  providerCacheDir: string;
  timeoutMs: number;
  signal: AbortSignal;
  masker: Masker;
}

export type ApplyStatus = 'applied' | 'failed' | 'stale' | 'cancelled';

export interface ApplyProjectOutcome {
  status: ApplyStatus;
  /** The tool's apply output, masked. */
  output: string;
  error?: ProjectPlanResult['error'];
  durationMs: number;
}

/** The tool refuses a saved plan whose state moved on; Sluice then re-plans instead. */
const STALE_PLAN = /Saved plan is stale/i;

/** init → workspace → apply <saved plan>; never plans anew, so nothing unreviewed runs. */
export async function applyProject(options: ApplyProjectOptions): Promise<ApplyProjectOutcome> {
  const started = Date.now();
  const projectDir = await insideCheckout(options.checkoutDir, options.project.dir);
  if (!projectDir) {
    return {
      status: 'failed',
      output: '',
      error: {
        step: 'checkout',
        message: `The directory \`${options.project.dir}\` is not in this commit.`,
        output: '',
      },
      durationMs: Date.now() - started,
    };
  }
  const home = join(options.artifactDir, 'home');
  const planPath = join(options.artifactDir, 'reviewed.tfplan');
  await mkdir(home, { recursive: true });
  await writeFile(planPath, options.planFile);
  const step = stepRunner({ ...options, projectDir, home });

  const steps: Array<[string, string[]]> = [
    ['init', ['init', '-input=false', '-no-color']],
    ...workspaceSteps(options.project.workspace),
    ['apply', ['apply', '-input=false', '-no-color', planPath]],
  ];
  let output = '';
  for (const [name, args] of steps) {
    const result = await step(name, args);
    if (name === 'apply') output = [result.stdout, result.stderr].filter((s) => s.trim()).join('\n');
    if (result.cancelled) return { status: 'cancelled', output, durationMs: Date.now() - started };
    if (result.timedOut || result.exitCode !== 0) {
      const error = stepError(result, options.timeoutMs);
      const stale = name === 'apply' && STALE_PLAN.test(error.output);
      return { status: stale ? 'stale' : 'failed', output, error, durationMs: Date.now() - started };
    }
  }
  return { status: 'applied', output, durationMs: Date.now() - started };
}
