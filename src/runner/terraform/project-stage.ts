import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_WORKFLOW_STEPS } from '../../config/workflow.js';
import type { Project } from '../../projects/types.js';
import { readTextInside } from '../dbt/read-inside.js';
import type { Masker } from '../mask.js';
import { writeNewFile } from '../safe-write.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult } from '../types.js';
import {
  cliConfig,
  ensureMirror,
  fillProviderMirror,
  LOCK_FILE,
  localPluginsDir,
  MAX_LOCK_FILE,
  mirroredProviders,
} from './provider-mirror.js';
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
  /**
   * The shared provider mirror (provider-mirror.ts): filled by Sluice alone from the lock file,
   * read-only to steps, which each get a private plugin cache in their artifact folder.
   */
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

/** The steps' HOME: an empty folder of the project's own, next to its plan file. */
export function stepHome(artifactDir: string): string {
  return join(artifactDir, 'home');
}

/**
 * The CLI configuration the project's steps run with (TF_CLI_CONFIG_FILE, written into `serverDir`):
 * the shared provider mirror, filled first from the lock file, and the pull request's own plugins.
 */
export async function providerConfig(
  options: ProjectStageOptions,
  projectDir: string,
  serverDir: string,
): Promise<string> {
  const mirror = options.providerCacheDir;
  await ensureMirror(mirror);
  const lockFile = await readTextInside(options.checkoutDir, join(projectDir, LOCK_FILE), MAX_LOCK_FILE);
  await fillProviderMirror({
    lockFile,
    mirror,
    near: serverDir,
    tool: options.tool,
    sandbox: options.sandbox,
    network: options.sandboxRules?.network,
    timeoutMs: options.timeoutMs,
    signal: options.signal,
  });
  const cliConfigFile = join(serverDir, 'tofu.tfrc');
  await writeNewFile(
    cliConfigFile,
    cliConfig({
      mirror,
      localPlugins: await localPluginsDir(projectDir),
      mirrored: await mirroredProviders(lockFile, mirror),
    }),
    0o644,
  );
  return cliConfigFile;
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
    /** The stage's server folder (safe-write.ts makeServerDir): steps see it read-only. */
    serverDir: string;
    facts: RunFacts;
    builtin: StageInput['builtin'];
  },
): Promise<StageOutcome | undefined> {
  const { project } = options;
  const projectDir = await insideCheckout(options.checkoutDir, project.dir);
  if (!projectDir) return undefined;
  const home = stepHome(options.artifactDir);
  await mkdir(home, { recursive: true });
  const cliConfigFile = await providerConfig(options, projectDir, stage.serverDir);
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
      serverDir: stage.serverDir,
      cliConfigFile,
      network: options.sandboxRules?.network,
      allowedHosts: options.sandboxRules?.allowedHosts,
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
