import { mkdir, realpath } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { type Masker, maskOutcome } from '../mask.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult, StepResult } from '../types.js';

export interface StepRunnerOptions {
  projectDir: string;
  checkoutDir: string;
  artifactDir: string;
  home: string;
  /** Where Sluice keeps the stage's own files (SHOWFILE, a reviewed plan): read-only to steps. */
  serverDir: string;
  tool: ToolInfo;
  sandbox: Sandbox;
  /** The shared provider mirror (provider-mirror.ts): read-only to steps. */
  providerCacheDir: string;
  /** The CLI configuration Sluice wrote for the stage (TF_CLI_CONFIG_FILE), in `serverDir`. */
  cliConfigFile: string;
  timeoutMs: number;
  /** Between SIGINT and SIGKILL when a step is stopped; default exec.ts DEFAULT_STOP_GRACE_MS. */
  stopGraceMs?: number;
  /** The sandbox's host name (sandbox.ts SandboxRun.hostname). */
  hostname?: string;
  signal: AbortSignal;
  masker: Masker;
  /** Undefined: the sandbox's default (SLUICE_SANDBOX_NETWORK). */
  network?: boolean;
  /** Hosts the egress proxy lets this project reach besides the server's list. */
  allowedHosts?: string[];
}

export interface StepCall {
  /** What the comment calls the step when it fails (`init`, `run tflint`). */
  name: string;
  /** The whole command; a tool step starts with the tool's absolute path. */
  argv: string[];
  /** The command as the comment shows it (`tofu init …`); default `argv`. */
  shownArgv?: string[];
  /** Variables on top of the sandbox's own (PATH, HOME, TF_*): the workflow's, from stepEnvironment(). */
  env?: Readonly<Record<string, string>>;
  maxOutputBytes?: number;
}

export interface StepRun {
  /** Masked output and command line, for comments, logs and the store. */
  result: StepResult;
  /** Unmasked stdout: only the value of an `env` step's command, which never reaches a comment. */
  rawStdout: string;
}

/**
 * Runs one step in the project dir inside the sandbox with a scrubbed environment: Sluice's own
 * variables plus the workflow's (which never replace PATH, HOME, TMPDIR or the TF_* Sluice sets).
 * Output is masked before it leaves.
 */
export function stepRunner(options: StepRunnerOptions) {
  const { tool } = options;
  const toolDir = dirname(tool.path);
  // The job's own plugin cache: nothing one pull request puts in it is seen by another job.
  const pluginCache = join(options.artifactDir, 'plugin-cache');
  return async (call: StepCall): Promise<StepRun> => {
    await mkdir(pluginCache, { recursive: true });
    // Set last, so that no workflow variable replaces them (stepEnvironment() leaves them out anyway).
    const fixed = {
      PATH: `${toolDir}:/usr/local/bin:/usr/bin:/bin`,
      HOME: options.home,
      TMPDIR: '/tmp',
      TF_IN_AUTOMATION: '1',
      TF_INPUT: '0',
      TF_PLUGIN_CACHE_DIR: pluginCache,
      TF_CLI_CONFIG_FILE: options.cliConfigFile,
    };
    const raw = await options.sandbox.run({
      argv: call.argv,
      cwd: options.projectDir,
      writable: [options.checkoutDir, options.artifactDir],
      readOnly: [toolDir, options.serverDir, options.providerCacheDir],
      env: { LANG: 'C.UTF-8', CHECKPOINT_DISABLE: '1', ...call.env, ...fixed },
      timeoutMs: options.timeoutMs,
      stopGraceMs: options.stopGraceMs,
      hostname: options.hostname,
      signal: options.signal,
      maxOutputBytes: call.maxOutputBytes,
      network: options.network,
      allowedHosts: options.allowedHosts,
    });
    return {
      result: {
        name: call.name,
        argv: (call.shownArgv ?? call.argv).map((word) => options.masker.mask(word)),
        ...maskOutcome(raw, options.masker),
      },
      rawStdout: raw.stdout,
    };
  };
}

export type RunStep = ReturnType<typeof stepRunner>;

/** The project's directory inside the checkout, or undefined when it is missing or resolves outside. */
export async function insideCheckout(checkoutDir: string, dir: string): Promise<string | undefined> {
  try {
    const root = await realpath(checkoutDir);
    const real = await realpath(`${root}/${dir}`);
    const rel = relative(root, real);
    return rel.startsWith('..') || rel.startsWith('/') ? undefined : real;
  } catch {
    return undefined;
  }
}

/** What failed, in one line, plus the tool's output. */
export function stepError(result: StepResult, timeoutMs: number): NonNullable<ProjectPlanResult['error']> {
  const output = [result.stderr, result.stdout].filter((s) => s.trim()).join('\n');
  if (result.timedOut) {
    return {
      step: result.name,
      message: `\`${result.argv.slice(0, 2).join(' ')}\` ran longer than ${Math.round(timeoutMs / 1000)} s and was stopped.`,
      output,
    };
  }
  const errorLine = output
    .split('\n')
    .map((line) => line.replace(/^[│╷╵|\s]+/, '').trim())
    .find((line) => line.startsWith('Error:'));
  return {
    step: result.name,
    message: errorLine ?? `\`${result.argv.slice(0, 2).join(' ')}\` exited with code ${result.exitCode}.`,
    output,
  };
}
