import type { ProgressStream } from '../local/plan-progress.js';

/** Where a command reads and writes: the process's own, or stand-ins in tests. */
export interface CliIo {
  /** The command's result (a plan, help, the version). */
  stdout: { write(text: string, done?: () => void): unknown; isTTY?: boolean };
  /** Progress, notices and errors. */
  stderr: ProgressStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}
