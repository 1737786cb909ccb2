import { lstat, mkdtemp, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '../errors.js';
import { type ExecResult, execProcess } from './exec.js';

export type SandboxMode = 'bwrap' | 'none';

export interface SandboxRun {
  argv: string[];
  cwd: string;
  /** Directories the step may write (the job's checkout, its home, caches). Everything else is read-only or absent. */
  writable: string[];
  /** Extra directories to show read-only (e.g. where the tool lives). */
  readOnly?: string[];
  /** The step's whole environment: nothing from the server's environment is passed on. */
  env: Record<string, string>;
  timeoutMs: number;
  signal?: AbortSignal;
  maxOutputBytes?: number;
  /** Between SIGINT and SIGKILL when the step is stopped (exec.ts); default 10 s. */
  stopGraceMs?: number;
  /**
   * The host name the step sees (bubblewrap only): an apply runs as `sluice-<attempt id>`, so the tool's
   * state lock (`Who: user@host`) tells which attempt left it.
   */
  hostname?: string;
  /**
   * Whether this step may reach the network; undefined: the sandbox's default (SLUICE_SANDBOX_NETWORK).
   * Per run, so one sandbox serves repositories with different rules. Without bubblewrap (`none`) there
   * is no isolation to apply it with.
   */
  network?: boolean;
}

export interface Sandbox {
  readonly mode: SandboxMode;
  /** Why this mode was chosen, for the startup log. */
  readonly reason: string;
  run(spec: SandboxRun): Promise<ExecResult>;
}

export interface SandboxOptions {
  /** `auto`: bubblewrap when it works here, otherwise `none`. */
  mode: 'auto' | SandboxMode;
  /** Whether steps may reach the network (provider and module downloads) unless a run says otherwise. */
  network: boolean;
  /** Read-only paths every step sees, besides the system directories. */
  readOnlyPaths: string[];
  /**
   * Paths to hide even when they sit inside a system directory (the server's own directory, its data
   * directory, its key file): a directory becomes an empty tmpfs, a file an empty one.
   */
  hide?: string[];
}

/** System directories a tool needs to run, shown read-only. Nothing under /home, /root, /srv or /etc at large. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64'];
const SYSTEM_FILES = [
  '/etc/ssl',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/localtime',
  '/etc/passwd',
  '/etc/group',
];

export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  if (options.mode === 'none') {
    return new UnsandboxedRunner(
      'SLUICE_SANDBOX=none: steps run as the server user; the environment is still scrubbed',
    );
  }
  const system = [...(await systemBinds()), ...(await hideBinds(options.hide ?? []))];
  const bwrap = new BwrapSandbox(system, options);
  const problem = await bwrap.probe();
  if (!problem) return bwrap;
  if (options.mode === 'bwrap') {
    throw new SluiceError(
      'SANDBOX_UNAVAILABLE',
      `SLUICE_SANDBOX=bwrap but bubblewrap does not work here: ${problem}. Install bubblewrap and allow unprivileged user namespaces, or set SLUICE_SANDBOX=none.`,
    );
  }
  return new UnsandboxedRunner(
    `bubblewrap does not work here (${problem}); steps run unsandboxed with a scrubbed environment`,
  );
}

class UnsandboxedRunner implements Sandbox {
  readonly mode = 'none';
  constructor(readonly reason: string) {}
  run(spec: SandboxRun): Promise<ExecResult> {
    // No isolation at all here (SLUICE_SANDBOX=none): `network` cannot be honoured, like `hide`.
    return execProcess(spec);
  }
}

class BwrapSandbox implements Sandbox {
  readonly mode = 'bwrap';
  readonly reason: string;
  readonly #system: string[];
  readonly #options: SandboxOptions;

  constructor(system: string[], options: SandboxOptions) {
    this.#system = system;
    this.#options = options;
    this.reason = `bubblewrap: only the job's checkout is writable, network ${options.network ? 'on' : 'off'} unless a repository's rules say otherwise`;
  }

  async probe(): Promise<string | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-probe-'));
    try {
      const result = await this.run({
        argv: ['/bin/sh', '-c', 'echo ok > probe && cat probe'],
        cwd: dir,
        writable: [dir],
        env: { PATH: '/usr/bin:/bin' },
        timeoutMs: 10_000,
      });
      if (result.exitCode === 0 && result.stdout.trim() === 'ok') return undefined;
      return (result.stderr.trim() || `exit code ${result.exitCode}`).split('\n')[0];
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  run(spec: SandboxRun): Promise<ExecResult> {
    const args = [
      '--die-with-parent',
      '--new-session',
      '--unshare-all',
      ...(spec.hostname ? ['--hostname', spec.hostname] : []),
      ...((spec.network ?? this.#options.network) ? ['--share-net'] : []),
      '--cap-drop',
      'ALL',
      '--proc',
      '/proc',
      '--dev',
      '/dev',
      // A private /tmp: what the server keeps in its own temp directory is not there.
      '--tmpfs',
      '/tmp',
      ...this.#system,
      ...[...this.#options.readOnlyPaths, ...(spec.readOnly ?? [])].flatMap((p) => ['--ro-bind', p, p]),
      ...spec.writable.flatMap((p) => ['--bind', p, p]),
      '--chdir',
      spec.cwd,
      '--clearenv',
      ...Object.entries(spec.env).flatMap(([k, v]) => ['--setenv', k, v]),
      '--',
      ...spec.argv,
    ];
    return execProcess({
      ...spec,
      argv: ['bwrap', ...args],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
      // bwrap dies on SIGINT/SIGTERM and takes the tool with it (--die-with-parent): signal inside instead.
      launcher: true,
    });
  }
}

/** Bind arguments for the system directories, keeping merged-/usr symlinks (/bin → usr/bin) as links. */
async function systemBinds(): Promise<string[]> {
  const args: string[] = [];
  for (const path of SYSTEM_DIRS) {
    const stat = await lstat(path).catch(() => undefined);
    if (!stat) continue;
    if (stat.isSymbolicLink()) args.push('--symlink', await readlink(path), path);
    else args.push('--ro-bind', path, path);
  }
  for (const path of SYSTEM_FILES) args.push('--ro-bind-try', path, path);
  return args;
}

/** Over-mounts for paths that must stay invisible: an empty tmpfs on a directory, /dev/null on a file. */
async function hideBinds(paths: string[]): Promise<string[]> {
  const args: string[] = [];
  for (const path of paths) {
    const stat = await lstat(path).catch(() => undefined);
    if (stat?.isDirectory()) args.push('--tmpfs', path);
    else if (stat) args.push('--ro-bind', '/dev/null', path);
  }
  return args;
}
