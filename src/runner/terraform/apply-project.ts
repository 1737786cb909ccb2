import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { withLogContext } from '../../log-context.js';
import { makeServerDir, writeNewFile } from '../safe-write.js';
import type { ProjectPlanResult } from '../types.js';
import { missingDirError, type ProjectStageOptions, runProjectStage } from './project-stage.js';
import { NO_RUN_FACTS, type ToolCall } from './run-stage.js';
import { stepError } from './steps.js';

export interface ApplyProjectOptions extends ProjectStageOptions {
  /** The reviewed, saved plan: exactly what runs. */
  planFile: Buffer;
  /** Its JSON (`show -json`) as stored with it: what `SHOWFILE` holds for the apply's steps. */
  planJson?: string;
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
/** {@link applyProjectInProject}, with the project named on every log line it writes. */
export function applyProject(options: ApplyProjectOptions): Promise<ApplyProjectOutcome> {
  return withLogContext({ project: options.project.name }, () => applyProjectInProject(options));
}

async function applyProjectInProject(options: ApplyProjectOptions): Promise<ApplyProjectOutcome> {
  const started = Date.now();
  const { project } = options;
  await mkdir(options.artifactDir, { recursive: true });
  // The reviewed plan goes where steps can read it but not replace it, or write through it.
  const serverDir = await makeServerDir(options.artifactDir);
  const planPath = join(serverDir, 'reviewed.tfplan');
  const showPath = join(serverDir, 'reviewed.json');
  await writeNewFile(planPath, options.planFile);
  if (options.planJson !== undefined) await writeNewFile(showPath, options.planJson);
  const builtin = (kind: string, extra: readonly string[]): ToolCall[] => {
    if (kind === 'init') return [{ name: 'init', args: ['init', '-input=false', '-no-color', ...extra] }];
    if (kind === 'apply')
      return [{ name: 'apply', args: ['apply', '-input=false', '-no-color', ...extra, planPath] }];
    if (kind === 'show') return [{ name: 'show', args: ['show', '-no-color', ...extra, planPath] }];
    // The workflow schemas refuse `plan` in an apply stage: only the reviewed plan is applied.
    throw new Error(`an apply stage cannot run \`${kind}\``);
  };
  const stage = await runProjectStage(options, {
    name: 'apply',
    planFile: planPath,
    showFile: showPath,
    serverDir,
    facts: options.facts ?? NO_RUN_FACTS,
    builtin,
  });
  if (!stage) {
    return {
      status: 'failed',
      output: '',
      error: missingDirError(project.dir),
      durationMs: Date.now() - started,
    };
  }
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
