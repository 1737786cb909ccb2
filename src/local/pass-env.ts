import picomatch from 'picomatch';
import { ENV_NAME, RESERVED_ENV } from '../config/workflow.js';
import { UsageError } from './usage-error.js';

/** Which of the developer's variables a local plan passes to its steps (names only; values stay in `env`). */
export interface PassedEnv {
  /** Set in the environment and passed, sorted. */
  names: string[];
  /** Named exactly but not set in the environment. */
  unset: string[];
  /** Globs that matched no set variable. */
  unmatched: string[];
  /** Set variables a glob matched that Sluice sets itself (PATH, HOME, TF_PLUGIN_CACHE_DIR, SLUICE_*). */
  reserved: string[];
}

const GLOB = /[*?[]/;

/**
 * Resolves `--pass-env` and sluice.yaml's `local.pass_env` (names and globs such as `TF_VAR_*`)
 * against the developer's environment. Naming a variable Sluice sets itself is a usage error; a glob
 * that would match one skips it (and says so).
 */
export function resolvePassEnv(patterns: readonly string[], env: NodeJS.ProcessEnv): PassedEnv {
  const names = new Set<string>();
  const unset: string[] = [];
  const unmatched: string[] = [];
  const reserved = new Set<string>();
  const set = Object.keys(env).filter((name) => env[name] !== undefined && ENV_NAME.test(name));
  for (const pattern of patterns) {
    if (!GLOB.test(pattern)) {
      if (!ENV_NAME.test(pattern)) {
        throw new UsageError(`--pass-env: \`${pattern}\` is not a variable name or a glob of names`);
      }
      if (RESERVED_ENV.test(pattern)) {
        throw new UsageError(
          `--pass-env: \`${pattern}\` is set by Sluice itself for every step and cannot be passed`,
        );
      }
      if (env[pattern] === undefined) unset.push(pattern);
      else names.add(pattern);
      continue;
    }
    const matches = picomatch(pattern, { dot: true, noextglob: true });
    const found = set.filter((name) => matches(name));
    if (found.length === 0) unmatched.push(pattern);
    for (const name of found) {
      if (RESERVED_ENV.test(name)) reserved.add(name);
      else names.add(name);
    }
  }
  return { names: [...names].sort(), unset, unmatched, reserved: [...reserved].sort() };
}

/** Splits `--pass-env A,B --pass-env 'TF_VAR_*'` into patterns. */
export function splitPassEnv(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((p) => p.trim())
    .filter(Boolean);
}

/** What the plan steps get from this machine, for stderr: names and paths, never values. */
export function passedNotices(passed: PassedEnv, mounts: readonly { shown: string }[]): string[] {
  const lines: string[] = [];
  const n = passed.names.length;
  if (n > 0) {
    lines.push(
      `passing ${n} variable${n === 1 ? '' : 's'} to the plan steps (values not shown): ${passed.names.join(', ')}`,
    );
  }
  if (passed.unset.length > 0) lines.push(`not set here, so not passed: ${passed.unset.join(', ')}`);
  if (passed.unmatched.length > 0) lines.push(`matched no variable: ${passed.unmatched.join(', ')}`);
  if (passed.reserved.length > 0) {
    lines.push(`not passed (Sluice sets them for every step): ${passed.reserved.join(', ')}`);
  }
  if (mounts.length > 0) lines.push(`mounted read-only: ${mounts.map((m) => m.shown).join(', ')}`);
  return lines;
}
