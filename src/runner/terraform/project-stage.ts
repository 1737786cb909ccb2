import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_WORKFLOW_STEPS } from '../../config/workflow.js';
import type { Project } from '../../projects/types.js';
import type { Masker } from '../mask.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult } from '../types.js';
import {
  maskerForStage,
  passedNames,
  type RunFacts,
  runStage,
  type StageInput,
  type StageOutcome,
  stageEnvironment,
  type WorkflowOptions,
} from './run-stage.js';
import { insideCheckout, stepRunner } from './steps.js';

/** What a plan or apply of one project runs with. */
export interface ProjectStageOptions extends WorkflowOptions {
  project: Project;
  /** The job's checkout of the commit (writable in the sandbox). */
  checkoutDir: string;
  /** A per-project directory outside the checkout for the plan file and the steps' home. */
  artifactDir: string;
  tool: ToolInfo;
  sandbox: Sandbox;
  /** Shared provider cache (TF_PLUGIN_CACHE_DIR). */
  providerCacheDir: string;
  timeoutMs: number;
  /** Between SIGINT and SIGKILL when a step is stopped (timeout, cancel, shutdown); default 10 s. */
  stopGraceMs?: number;
  /** The sandbox's host name: an apply attempt's (state-probe.ts attemptHostname). */
  hostname?: string;
  signal: AbortSignal;
  masker: Masker;
}

/** The error of a project whose folder the commit does not have (or that resolves outside it). */
export function missingDirError(dir: string): NonNullable<ProjectPlanResult['error']> {
  return { step: 'checkout', message: `The directory \`${dir}\` is not in this commit.`, output: '' };
}

/**
 * Runs one stage of the project's workflow in its folder: steps in the sandbox with the stage's
 * variables and masking. Undefined when the folder is not in the checkout.
 */
export async function runProjectStage(
  options: ProjectStageOptions,
  stage: {
    name: 'plan' | 'apply';
    planFile: string;
    /** Where the plan's JSON is (`SHOWFILE`): the plan stage writes it, an apply finds it there. */
    showFile: string;
    facts: RunFacts;
    builtin: StageInput['builtin'];
  },
): Promise<StageOutcome | undefined> {
  const { project } = options;
  const projectDir = await insideCheckout(options.checkoutDir, project.dir);
  if (!projectDir) return undefined;
  const home = join(options.artifactDir, 'home');
  await mkdir(home, { recursive: true });
  const names = passedNames(options.sandboxRules, stage.name);
  return runStage({
    stage: stage.name,
    steps: options.steps ?? DEFAULT_WORKFLOW_STEPS[stage.name],
    workspace: project.workspace,
    tool: options.tool,
    runStep: stepRunner({
      ...options,
      masker: maskerForStage(options.masker, names, options.serverEnv),
      projectDir,
      home,
      network: options.sandboxRules?.network,
    }),
    builtin: stage.builtin,
    environment: stageEnvironment({
      stage: stage.name,
      context: {
        ...stage.facts,
        project: { name: project.name, dir: project.dir, workspace: project.workspace },
        repoRoot: options.checkoutDir,
        projectDir,
        planFile: stage.planFile,
        showFile: stage.showFile,
        toolVersion: options.tool.version,
      },
      sandboxRules: options.sandboxRules,
      serverEnv: options.serverEnv,
    }),
  });
}
