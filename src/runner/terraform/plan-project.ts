import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withLogContext } from '../../log-context.js';
import { readRegularFile } from '../read-regular-file.js';
import { makeServerDir } from '../safe-write.js';
import type { ProjectPlanResult, StepResult } from '../types.js';
import { planTextFromPlanOutput } from './plan-output.js';
import { missingDirError, type ProjectStageOptions, runProjectStage } from './project-stage.js';
import { NO_RUN_FACTS, type ToolCall } from './run-stage.js';
import { stepError } from './steps.js';
import { summarizePlan } from './summarize-plan.js';

const MAX_PLAN_FILE = 256 * 1024 * 1024;
const MAX_PLAN_JSON = 256 * 1024 * 1024;

export interface PlanProjectOptions extends ProjectStageOptions {
  /** Extra arguments for `plan` from the comment (already vetted by the command parser). */
  extraArgs?: string[];
  /** `--verbose`: show what every step printed, not only the `run` steps. */
  verbose?: boolean;
}

export interface PlanProjectOutcome {
  result: ProjectPlanResult;
  /** The saved plan and its JSON form, present when the plan succeeded. */
  planFile?: Buffer;
  planJson?: string;
}

/**
 * Runs the plan stage of the project's workflow, each step in the sandbox, stopping at the first failure.
 * The default workflow is init → workspace → plan -out → show -json. Whatever the workflow, the `plan`
 * step saves the plan file and is followed by `show -json` (what the summary and apply use); the plan
 * text shown is a `show` step's output when the workflow has one, else the reviewable part of `plan`'s.
 */
/** {@link planProjectInProject}, with the project named on every log line it writes. */
export function planProject(options: PlanProjectOptions): Promise<PlanProjectOutcome> {
  return withLogContext({ project: options.project.name }, () => planProjectInProject(options));
}

async function planProjectInProject(options: PlanProjectOptions): Promise<PlanProjectOutcome> {
  const { project, tool } = options;
  const started = Date.now();
  const toolRef = { name: tool.name, version: tool.version };
  const done = (partial: Omit<ProjectPlanResult, 'project' | 'tool' | 'durationMs'>, extra = {}) => ({
    result: { project, tool: toolRef, durationMs: Date.now() - started, ...partial },
    ...extra,
  });

  // The tool writes the plan where steps may write; Sluice writes its JSON where they cannot.
  await mkdir(options.artifactDir, { recursive: true });
  const serverDir = await makeServerDir(options.artifactDir);
  const planPath = join(options.artifactDir, 'plan.tfplan');
  const showPath = join(serverDir, 'plan.json');
  const facts = options.facts ?? { ...NO_RUN_FACTS, commentArgs: options.extraArgs ?? [] };
  const builtin = (kind: string, extra: readonly string[]): ToolCall[] => {
    if (kind === 'init') return [{ name: 'init', args: ['init', '-input=false', '-no-color', ...extra] }];
    if (kind === 'plan') {
      return [
        {
          name: 'plan',
          args: [
            'plan',
            '-input=false',
            '-no-color',
            `-out=${planPath}`,
            ...extra,
            ...(options.extraArgs ?? []),
          ],
        },
        {
          name: 'show-json',
          args: ['show', '-json', '-no-color', planPath],
          maxOutputBytes: MAX_PLAN_JSON,
          stdoutFile: showPath,
        },
      ];
    }
    if (kind === 'show') return [{ name: 'show', args: ['show', '-no-color', ...extra, planPath] }];
    // The workflow schemas refuse `apply` in a plan stage; nothing unreviewed is ever applied.
    throw new Error(`a plan stage cannot run \`${kind}\``);
  };
  const stage = await runProjectStage(options, {
    name: 'plan',
    planFile: planPath,
    showFile: showPath,
    serverDir,
    facts,
    builtin,
  });
  if (!stage) return done({ status: 'failed', error: missingDirError(project.dir) });
  const shown = options.verbose ? verboseOutput(stage.results) : stage.runOutput;
  const stepOutput = shown ? { stepOutput: shown } : {};
  if (stage.status === 'cancelled') return done({ status: 'cancelled', ...stepOutput });
  if (stage.status === 'failed' && stage.failed) {
    return done({ status: 'failed', error: stepError(stage.failed, options.timeoutMs), ...stepOutput });
  }

  const last = (name: string) => stage.results.filter((r) => r.name === name).at(-1);
  const planJson = last('show-json')?.stdout ?? '';
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
      ...stepOutput,
    });
  }
  return done(
    {
      status: 'planned',
      summary,
      planText: last('show')?.stdout ?? planTextFromPlanOutput(last('plan')?.stdout ?? ''),
      ...stepOutput,
    },
    { planFile, planJson },
  );
}

/** Every step's output after a `$ command` line, except the machine-readable plan (it is summarised). */
function verboseOutput(results: readonly StepResult[]): string {
  return results
    .filter((r) => r.name !== 'show-json')
    .map((r) => [`$ ${r.argv.join(' ')}`, r.stdout.trimEnd(), r.stderr.trimEnd()].filter(Boolean).join('\n'))
    .join('\n\n');
}
