import { spawn } from 'node:child_process';
import { descendants, signalGroup, signalProcess } from './process-tree.js';
import type { ProcessOutcome } from './types.js';

export interface ExecSpec {
  argv: string[];
  cwd: string;
  /** The whole environment of the child: nothing is inherited. */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bytes kept per stream; the rest is dropped and the stream marked truncated. Default 8 MiB. */
  maxOutputBytes?: number;
  /**
   * How long a stopped process (timeout, abort) has between SIGINT and SIGKILL: OpenTofu/Terraform
   * release their state lock and write what they applied when interrupted. Default {@link DEFAULT_STOP_GRACE_MS}.
   */
  stopGraceMs?: number;
  /**
   * argv[0] is a launcher that dies on a signal without passing it on (bubblewrap: the tool runs in its
   * own session inside): the interrupt goes to the process groups under it, never to the launcher.
   */
  launcher?: boolean;
}

export interface ExecResult extends ProcessOutcome {
  /** Some output was dropped because a stream passed `maxOutputBytes`. */
  truncated: boolean;
}

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;
/** Between the interrupt and the kill of a stopped step, unless the caller says otherwise. */
export const DEFAULT_STOP_GRACE_MS = 10_000;

/**
 * Runs one process in its own process group. On timeout or abort it stops it as a terminal's Ctrl-C
 * would: SIGINT to the tool's process groups, then after the grace period SIGKILL to the whole tree —
 * the tool and everything it started. Never goes through a shell.
 */
export function execProcess(spec: ExecSpec): Promise<ExecResult> {
  const [command, ...args] = spec.argv;
  if (!command) throw new Error('execProcess: empty argv');
  const started = Date.now();
  const limit = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = collector(limit);
    const err = collector(limit);
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);

    let timedOut = false;
    let cancelled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const pid = child.pid;
    const killTree = async () => {
      if (pid === undefined) return;
      const tree = await descendants(pid);
      signalGroup(pid, 'SIGKILL');
      for (const entry of tree) {
        signalGroup(entry.pgid, 'SIGKILL');
        signalProcess(entry.pid, 'SIGKILL');
      }
    };
    const stop = async () => {
      if (pid === undefined || graceTimer) return;
      graceTimer = setTimeout(() => void killTree(), spec.stopGraceMs ?? DEFAULT_STOP_GRACE_MS);
      const groups = new Set((await descendants(pid)).map((entry) => entry.pgid));
      if (spec.launcher) groups.delete(pid);
      else groups.add(pid);
      for (const group of groups) signalGroup(group, 'SIGINT');
    };
    const timer = setTimeout(() => {
      timedOut = true;
      void stop();
    }, spec.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      void stop();
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (exitCode: number | null, spawnError?: Error) => {
      clearTimeout(timer);
      clearTimeout(graceTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      // The leader exited; make sure nothing it left behind in its group lives on.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      resolve({
        exitCode,
        stdout: out.text(),
        stderr: spawnError ? `${err.text()}${spawnError.message}\n` : err.text(),
        durationMs: Date.now() - started,
        timedOut,
        cancelled,
        truncated: out.truncated() || err.truncated(),
      });
    };
    // The leader exited: what it left in its group (holding the output pipes open) goes too.
    child.once('exit', () => {
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
    });
    child.once('error', (error) => finish(null, error));
    child.once('close', (code) => finish(code));
  });
}

function collector(limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  let dropped = false;
  return {
    push: (chunk: Buffer) => {
      if (size >= limit) {
        dropped = true;
        return;
      }
      const room = limit - size;
      if (chunk.length > room) dropped = true;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(kept);
      size += kept.length;
    },
    text: () => Buffer.concat(chunks).toString('utf8') + (dropped ? '\n[output truncated by Sluice]\n' : ''),
    truncated: () => dropped,
  };
}
