import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Project } from '../../projects/types.js';
import type { Masker } from '../mask.js';
import { readRegularFile } from '../read-regular-file.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult, StepResult } from '../types.js';
import { insideCheckout, stepError, stepRunner, workspaceSteps } from './steps.js';
import { summarizePlan } from './summarize-plan.js';

const MAX_PLAN_FILE = 256 * 1024 * 1024;
const MAX_PLAN_JSON = 256 * 1024 * 1024;

export interface PlanProjectOptions {
  project: Project;
  /** The job's checkout of the PR head (writable in the sandbox). */
  checkoutDir: string;
  /** A per-project directory outside the checkout for the plan file and the step's home. */
  artifactDir: string;
  tool: ToolInfo;
  sandbox: Sandbox;
  /** Shared provider cache (TF_PLUGIN_CACHE_DIR). */
  providerCacheDir: string;
  timeoutMs: number;
  signal: AbortSignal;
  masker: Masker;
  /** Extra arguments for `plan` (already vetted by the command parser). */
  extraArgs?: string[];
}

export interface PlanProjectOutcome {
  result: ProjectPlanResult;
  /** The saved plan and its JSON form, present when the plan succeeded. */
  planFile?: Buffer;
  planJson?: string;
}

/** init → workspace → plan -out → show -json → show, each a sandboxed step; stops at the first failure. */
export async function planProject(options: PlanProjectOptions): Promise<PlanProjectOutcome> {
  const { project, tool } = options;
  const started = Date.now();
  const toolRef = { name: tool.name, version: tool.version };
  const done = (partial: Omit<ProjectPlanResult, 'project' | 'tool' | 'durationMs'>, extra = {}) => ({
    result: { project, tool: toolRef, durationMs: Date.now() - started, ...partial },
    ...extra,
  });

  const projectDir = await insideCheckout(options.checkoutDir, project.dir);
  if (!projectDir) {
    return done({
      status: 'failed',
      error: {
        step: 'checkout',
        message: `The directory \`${project.dir}\` is not in this commit.`,
        output: '',
      },
    });
  }
  const home = join(options.artifactDir, 'home');
  const planPath = join(options.artifactDir, 'plan.tfplan');
  await mkdir(home, { recursive: true });

  const step = stepRunner({ ...options, projectDir, home });

  const steps: Array<[string, string[]]> = [
    ['init', ['init', '-input=false', '-no-color']],
    ...workspaceSteps(project.workspace),
    ['plan', ['plan', '-input=false', '-no-color', `-out=${planPath}`, ...(options.extraArgs ?? [])]],
    ['show-json', ['show', '-json', '-no-color', planPath]],
    ['show', ['show', '-no-color', planPath]],
  ];
  const outputs = new Map<string, StepResult>();
  for (const [name, args] of steps) {
    const result = await step(name, args, name === 'show-json' ? MAX_PLAN_JSON : undefined);
    if (result.cancelled) return done({ status: 'cancelled' });
    if (result.timedOut || result.exitCode !== 0)
      return done({ status: 'failed', error: stepError(result, options.timeoutMs) });
    outputs.set(name, result);
  }

  const planJson = outputs.get('show-json')?.stdout ?? '';
  const planFile = await readRegularFile(planPath, MAX_PLAN_FILE);
  let summary: ProjectPlanResult['summary'];
  try {
    summary = summarizePlan(planJson);
  } catch {
    summary = undefined;
  }
  if (!planFile || !summary) {
    return done({
      status: 'failed',
      error: { step: 'show', message: 'The saved plan could not be read back.', output: '' },
    });
  }
  return done(
    { status: 'planned', summary, planText: outputs.get('show')?.stdout ?? '' },
    { planFile, planJson },
  );
}
