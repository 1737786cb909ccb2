import { basename, dirname } from 'node:path';
import type { SandboxRules } from '../../config/rules.js';
import { type StepContext, stepEnvironment } from '../../config/step-env.js';
import type { BuiltinStep, Step } from '../../config/workflow.js';
import { type Masker, withValues } from '../mask.js';
import { replaceFile } from '../safe-write.js';
import type { ToolInfo } from '../tools.js';
import type { StepResult } from '../types.js';
import type { RunStep } from './steps.js';

/**
 * What workflow steps are told about the run (`SLUICE_PR_NUMBER`, `PULL_URL`, …); the runner adds the
 * paths and the tool's version.
 */
export type RunFacts = Omit<
  StepContext,
  'project' | 'repoRoot' | 'projectDir' | 'planFile' | 'showFile' | 'toolVersion'
>;

/** Facts for a run that is not a pull request's (`sluice plan` on a checkout). */
export const NO_RUN_FACTS: RunFacts = {
  prNumber: 0,
  headSha: '',
  baseBranch: '',
  headBranch: '',
  commentArgs: [],
};

/** What the repository's rules and workflow decide about a plan or apply run. */
export interface WorkflowOptions {
  /** The stage's steps (the project's workflow); absent: the default workflow's. */
  steps?: readonly Step[];
  /** The repository's sandbox rules: network, and which server variables reach each stage. */
  sandboxRules?: SandboxRules;
  /** The server's environment, read when the steps run: where `plan_env` / `apply_env` values come from. */
  serverEnv?: Readonly<Record<string, string | undefined>>;
  /** What the steps are told about the run; default {@link NO_RUN_FACTS}. */
  facts?: RunFacts;
}

/** One run of the tool a built-in step makes: `plan` makes two (plan, then `show -json`). */
export interface ToolCall {
  name: string;
  args: string[];
  maxOutputBytes?: number;
  /**
   * Where to save what the run printed (unmasked) when it succeeds: `show -json` to `SHOWFILE`, in the
   * stage's server folder (safe-write.ts), which steps can read but not change.
   */
  stdoutFile?: string;
}

export interface StageInput {
  stage: 'plan' | 'apply';
  steps: readonly Step[];
  workspace: string;
  tool: ToolInfo;
  runStep: RunStep;
  /** The tool runs of a built-in step, with the workflow's `extra_args`. */
  builtin: (kind: BuiltinStep, extraArgs: readonly string[]) => ToolCall[];
  /** Every step's variables, given what earlier `env` steps set. */
  environment: (fromEnvSteps: Readonly<Record<string, string>>) => Record<string, string>;
}

export interface StageOutcome {
  status: 'done' | 'failed' | 'cancelled';
  /** Every step that ran, in order (masked). */
  results: StepResult[];
  /** Present when status is `failed` or `cancelled`. */
  failed?: StepResult;
  /** What the `run` steps printed, each after a `$ command` line; masked. */
  runOutput: string;
}

/**
 * Runs a workflow stage step by step, stopping at the first failure. Built-in steps run the tool with
 * Sluice's own arguments; `run` steps run their argv (never through a shell) in the same sandbox and
 * project dir; `env` steps set a variable for the steps after them. A non-default workspace is
 * selected right after `init` (or, without one, before the first other built-in step). An apply stage
 * starts with `init` when it has none: it runs in a fresh checkout, not the plan's working directory.
 */
export async function runStage(input: StageInput): Promise<StageOutcome> {
  const hasInit = input.steps.some((s) => s.kind === 'init');
  const steps: readonly Step[] =
    input.stage === 'apply' && !hasInit ? [{ kind: 'init', extraArgs: [] }, ...input.steps] : input.steps;
  const results: StepResult[] = [];
  const runOutput: string[] = [];
  const fromEnvSteps: Record<string, string> = {};
  let workspaceReady = input.workspace === 'default';

  const tool = async (call: ToolCall) => {
    const { result, rawStdout } = await input.runStep({
      name: call.name,
      argv: [input.tool.path, ...call.args],
      shownArgv: [input.tool.name, ...call.args],
      env: input.environment(fromEnvSteps),
      maxOutputBytes: call.maxOutputBytes,
    });
    if (call.stdoutFile && result.exitCode === 0 && !result.timedOut && !result.cancelled) {
      await replaceFile(dirname(call.stdoutFile), basename(call.stdoutFile), rawStdout);
    }
    return result;
  };
  const selectWorkspace = () =>
    tool({
      name: 'workspace',
      args: ['workspace', 'select', '-or-create=true', '-no-color', input.workspace],
    });
  const end = (status: StageOutcome['status'], failed?: StepResult): StageOutcome => ({
    status,
    results,
    failed,
    runOutput: runOutput.join('\n'),
  });
  /** Records a step's result; the outcome to return when it did not succeed. */
  const check = (result: StepResult): StageOutcome | undefined => {
    results.push(result);
    if (result.cancelled) return end('cancelled', result);
    if (result.timedOut || result.exitCode !== 0) return end('failed', result);
    return undefined;
  };

  for (const step of steps) {
    if (step.kind === 'env') {
      if (step.argv === undefined) {
        fromEnvSteps[step.name] = step.value ?? '';
        continue;
      }
      const { result, rawStdout } = await input.runStep({
        name: `env ${step.name}`,
        argv: step.argv,
        env: input.environment(fromEnvSteps),
      });
      // The value is not shown anywhere: it may well be a secret.
      const stopped = check({ ...result, stdout: '' });
      if (stopped) return stopped;
      fromEnvSteps[step.name] = rawStdout.trim();
      continue;
    }
    if (step.kind === 'run') {
      const { result } = await input.runStep({
        name: `run ${basename(step.argv[0] ?? '')}`,
        argv: step.argv,
        env: input.environment(fromEnvSteps),
      });
      const printed = [result.stdout, result.stderr].filter((s) => s.trim()).join('\n');
      runOutput.push(`$ ${shellWords(result.argv)}${printed ? `\n${printed.replace(/\s+$/, '')}` : ''}`);
      const stopped = check(result);
      if (stopped) return stopped;
      continue;
    }
    if (step.kind !== 'init' && !workspaceReady) {
      workspaceReady = true;
      const stopped = check(await selectWorkspace());
      if (stopped) return stopped;
    }
    for (const call of input.builtin(step.kind, step.extraArgs)) {
      const stopped = check(await tool(call));
      if (stopped) return stopped;
    }
    if (step.kind === 'init' && !workspaceReady) {
      workspaceReady = true;
      const stopped = check(await selectWorkspace());
      if (stopped) return stopped;
    }
  }
  return end('done');
}

/**
 * The step variables of a stage: the run's facts and paths, plus the server variables the repository's
 * rules pass to THIS stage — `sandbox.plan_env` to a plan, `sandbox.apply_env` to an apply, never the
 * other list — read from the server's environment now.
 */
export function stageEnvironment(input: {
  stage: 'plan' | 'apply';
  context: StepContext;
  sandboxRules?: SandboxRules;
  serverEnv?: Readonly<Record<string, string | undefined>>;
}): (fromEnvSteps: Readonly<Record<string, string>>) => Record<string, string> {
  const passed = { names: passedNames(input.sandboxRules, input.stage), from: input.serverEnv ?? {} };
  return (fromEnvSteps) => stepEnvironment(input.context, passed, fromEnvSteps);
}

/** The server variables a stage receives. */
export function passedNames(rules: SandboxRules | undefined, stage: 'plan' | 'apply'): readonly string[] {
  return (stage === 'plan' ? rules?.planEnv : rules?.applyEnv) ?? [];
}

/**
 * The run's masker: the server's secrets, plus the value of every server variable passed to the stage,
 * whatever its name (`DB_PASS`, `X`, a `DATABASE_URL` and its password), in its common encodings, so a
 * step that prints one does not put it in a comment, a log or the store (src/runner/mask.ts).
 */
export function maskerForStage(
  masker: Masker,
  names: readonly string[],
  serverEnv: Readonly<Record<string, string | undefined>> = {},
): Masker {
  const values = names.map((name) => serverEnv[name]).filter((v): v is string => Boolean(v));
  return withValues(masker, values);
}

/** A command line for display: words with spaces or quotes in single quotes. */
function shellWords(argv: readonly string[]): string {
  return argv.map((w) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(' ');
}
