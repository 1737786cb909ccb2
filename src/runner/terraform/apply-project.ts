import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_WORKFLOW_STEPS } from '../../config/workflow.js';
import type { Project } from '../../projects/types.js';
import type { Masker } from '../mask.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult } from '../types.js';
import {
  maskerForStage,
  NO_RUN_FACTS,
  passedNames,
  runStage,
  stageEnvironment,
  type ToolCall,
  type WorkflowOptions,
} from './run-stage.js';
import { insideCheckout, stepError, stepRunner } from './steps.js';

export interface ApplyProjectOptions extends WorkflowOptions {
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
  /** The tool's apply output, then what the workflow's `run` steps printed; masked. */
  output: string;
  error?: ProjectPlanResult['error'];
  durationMs: number;
}

/** The tool refuses a saved plan whose state moved on; Sluice then re-plans instead. */
const STALE_PLAN = /Saved plan is stale/i;

/**
 * Runs the apply stage of the project's workflow on the reviewed, saved plan: `init` (added first when
 * the stage has none), the workspace, then its steps; the default is init → workspace → apply. Never
 * plans anew, so nothing unreviewed runs.
 */
export async function applyProject(options: ApplyProjectOptions): Promise<ApplyProjectOutcome> {
  const started = Date.now();
  const { project } = options;
  const projectDir = await insideCheckout(options.checkoutDir, project.dir);
  if (!projectDir) {
    return {
      status: 'failed',
      output: '',
      error: {
        step: 'checkout',
        message: `The directory \`${project.dir}\` is not in this commit.`,
        output: '',
      },
      durationMs: Date.now() - started,
    };
  }
  const home = join(options.artifactDir, 'home');
  const planPath = join(options.artifactDir, 'reviewed.tfplan');
  await mkdir(home, { recursive: true });
  await writeFile(planPath, options.planFile);

  const names = passedNames(options.sandboxRules, 'apply');
  const runStep = stepRunner({
    ...options,
    masker: maskerForStage(options.masker, names, options.serverEnv),
    projectDir,
    home,
    network: options.sandboxRules?.network,
  });
  const builtin = (kind: string, extra: readonly string[]): ToolCall[] => {
    if (kind === 'init') return [{ name: 'init', args: ['init', '-input=false', '-no-color', ...extra] }];
    if (kind === 'apply')
      return [{ name: 'apply', args: ['apply', '-input=false', '-no-color', ...extra, planPath] }];
    if (kind === 'show') return [{ name: 'show', args: ['show', '-no-color', ...extra, planPath] }];
    // The workflow schemas refuse `plan` in an apply stage: only the reviewed plan is applied.
    throw new Error(`an apply stage cannot run \`${kind}\``);
  };
  const stage = await runStage({
    stage: 'apply',
    steps: options.steps ?? DEFAULT_WORKFLOW_STEPS.apply,
    workspace: project.workspace,
    tool: options.tool,
    runStep,
    builtin,
    environment: stageEnvironment({
      stage: 'apply',
      context: {
        ...(options.facts ?? NO_RUN_FACTS),
        project: { name: project.name, dir: project.dir, workspace: project.workspace },
        repoRoot: options.checkoutDir,
        projectDir,
        planFile: planPath,
      },
      sandboxRules: options.sandboxRules,
      serverEnv: options.serverEnv,
    }),
  });
  const applied = stage.results.find((r) => r.name === 'apply');
  const output = [
    applied ? [applied.stdout, applied.stderr].filter((s) => s.trim()).join('\n') : '',
    stage.runOutput,
  ]
    .filter((s) => s.trim())
    .join('\n\n');
  const durationMs = Date.now() - started;
  if (stage.status === 'cancelled') return { status: 'cancelled', output, durationMs };
  if (stage.status === 'failed' && stage.failed) {
    const error = stepError(stage.failed, options.timeoutMs);
    const stale = stage.failed.name === 'apply' && STALE_PLAN.test(error.output);
    return { status: stale ? 'stale' : 'failed', output, error, durationMs };
  }
  return { status: 'applied', output, durationMs };
}
