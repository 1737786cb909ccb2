import { spawn } from 'node:child_process';
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
}

export interface ExecResult extends ProcessOutcome {
  /** Some output was dropped because a stream passed `maxOutputBytes`. */
  truncated: boolean;
}

const DEFAULT_MAX_OUTPUT = 8 * 1024 * 1024;

/**
 * Runs one process in its own process group and, on timeout or abort, kills the whole group —
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
    const killGroup = () => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, spec.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    if (spec.signal?.aborted) onAbort();
    else spec.signal?.addEventListener('abort', onAbort, { once: true });

    const finish = (exitCode: number | null, spawnError?: Error) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      // The leader exited; make sure nothing it left behind in its group lives on.
      killGroup();
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
