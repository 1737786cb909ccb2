import { mkdir, realpath } from 'node:fs/promises';
import { dirname, relative } from 'node:path';
import type { Masker } from '../mask.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';
import type { ProjectPlanResult, StepResult } from '../types.js';

export interface StepRunnerOptions {
  projectDir: string;
  checkoutDir: string;
  artifactDir: string;
  home: string;
  tool: ToolInfo;
  sandbox: Sandbox;
  providerCacheDir: string;
  timeoutMs: number;
  signal: AbortSignal;
  masker: Masker;
}

/** Runs `tofu <args>` in the project dir inside the sandbox, with a scrubbed environment; output masked. */
export function stepRunner(options: StepRunnerOptions) {
  const { tool } = options;
  return async (name: string, args: string[], maxOutputBytes?: number): Promise<StepResult> => {
    await mkdir(options.providerCacheDir, { recursive: true });
    const raw = await options.sandbox.run({
      argv: [tool.path, ...args],
      cwd: options.projectDir,
      writable: [options.checkoutDir, options.artifactDir, options.providerCacheDir],
      readOnly: [dirname(tool.path)],
      env: {
        PATH: `${dirname(tool.path)}:/usr/local/bin:/usr/bin:/bin`,
        HOME: options.home,
        TMPDIR: '/tmp',
        LANG: 'C.UTF-8',
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        CHECKPOINT_DISABLE: '1',
        TF_PLUGIN_CACHE_DIR: options.providerCacheDir,
      },
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      maxOutputBytes,
    });
    return {
      name,
      argv: [tool.name, ...args],
      exitCode: raw.exitCode,
      stdout: options.masker.mask(raw.stdout),
      stderr: options.masker.mask(raw.stderr),
      durationMs: raw.durationMs,
      timedOut: raw.timedOut,
      cancelled: raw.cancelled,
    };
  };
}

/** Selects the project's workspace, creating it on first use; nothing for `default`. */
export function workspaceSteps(workspace: string): Array<[string, string[]]> {
  return workspace === 'default'
    ? []
    : [['workspace', ['workspace', 'select', '-or-create=true', '-no-color', workspace]]];
}

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
