import { join } from 'node:path';
import { type Masker, maskOutcome } from '../mask.js';
import type { Sandbox } from '../sandbox.js';
import type { StepResult } from '../types.js';
import type { DbtToolInfo } from './dbt-tool.js';

export interface DbtStepOptions {
  tool: DbtToolInfo;
  sandbox: Sandbox;
  /** Where dbt runs: the project inside the checkout. */
  projectDir: string;
  /** Writable in the sandbox, with `artifactDir`; nothing else is. */
  checkoutDir: string;
  artifactDir: string;
  /** Further paths the admin lets this stage write (`sandbox.plan_paths` / `apply_paths`), e.g. a DuckDB warehouse's folder. */
  writable?: readonly string[];
  home: string;
  profilesDir: string;
  /** Sluice's own files for the session (profiles, production's state): read-only to dbt. */
  serverDir: string;
  /** Variables passed on purpose (e.g. warehouse credentials); they cannot replace Sluice's own. */
  env?: Readonly<Record<string, string>>;
  timeoutMs: number;
  signal: AbortSignal;
  masker: Masker;
  /** Undefined: the sandbox's default. */
  network?: boolean;
  allowedHosts?: string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Runs `dbt <args>` in the project dir inside the sandbox. The environment is Sluice's only (plus
 * `env`): no server variable reaches `env_var()`. dbt's telemetry is off, its profiles come from
 * `profilesDir`. Output is masked before it leaves.
 */
export function dbtStepRunner(options: DbtStepOptions) {
  const { tool } = options;
  const binDir = tool.venvDir ? join(tool.venvDir, 'bin') : undefined;
  const fixed: Record<string, string> = {
    PATH: [binDir, '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean).join(':'),
    HOME: options.home,
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    DO_NOT_TRACK: '1',
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    DBT_PROFILES_DIR: options.profilesDir,
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONNOUSERSITE: '1',
  };
  const passed = Object.fromEntries(
    Object.entries(options.env ?? {}).filter(([name]) => ENV_NAME.test(name) && !(name in fixed)),
  );
  return async (name: string, args: string[], maxOutputBytes?: number): Promise<StepResult> => {
    const raw = await options.sandbox.run({
      argv: [tool.path, ...args],
      cwd: options.projectDir,
      writable: [options.checkoutDir, options.artifactDir, ...(options.writable ?? [])],
      readOnly: [...(tool.readOnly ?? []), options.serverDir],
      env: { ...passed, ...fixed },
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      maxOutputBytes,
      network: options.network,
      allowedHosts: options.allowedHosts,
    });
    return { name, argv: ['dbt', ...args], ...maskOutcome(raw, options.masker) };
  };
}

export type DbtStep = ReturnType<typeof dbtStepRunner>;
