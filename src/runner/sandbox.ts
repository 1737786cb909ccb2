import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, lstat, mkdtemp, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SluiceError } from '../errors.js';
import { type ExecResult, execProcess } from './exec.js';
import { bwrapArgs, SANDBOX_UID, type StepLimits } from './sandbox/bwrap-args.js';
import { FORWARDER_SOURCE } from './sandbox/egress-forwarder.js';
import {
  DEFAULT_EGRESS_HOSTS,
  type EgressRefusal,
  loopbackForwards,
  type Resolve,
  startEgressProxy,
} from './sandbox/egress-proxy.js';
import {
  type HiddenPaths,
  hiddenPaths,
  isWithin,
  packageRoot,
  pathKind,
  SYSTEM_DIRS,
  SYSTEM_FILES,
} from './sandbox/hidden-paths.js';

export type { StepLimits } from './sandbox/bwrap-args.js';
export { DEFAULT_EGRESS_HOSTS } from './sandbox/egress-proxy.js';

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
   * Per run, so one sandbox serves repositories with different rules. The network is never the host's:
   * the step gets HTTPS_PROXY pointing at Sluice's egress proxy, which tunnels to allowed hosts only.
   */
  network?: boolean;
  /** Hosts this run may reach besides the server's egress list (a repository's `sandbox.allowed_hosts`). */
  allowedHosts?: string[];
}

/** Why the sandbox cannot run steps, and what an admin does about it. */
export interface SandboxProblem {
  cause: string;
  fix: string;
}

export interface Sandbox {
  readonly mode: SandboxMode;
  /** Why this mode was chosen, for the startup log. */
  readonly reason: string;
  /** Set when isolation could not be established: every run() then refuses with SANDBOX_UNAVAILABLE. */
  readonly problem?: SandboxProblem;
  run(spec: SandboxRun): Promise<ExecResult>;
}

export interface SandboxOptions {
  /** `bwrap` (and its old name `auto`): bubblewrap or nothing; `none`: unsandboxed, by explicit choice only. */
  mode: 'auto' | SandboxMode;
  /** Whether steps may reach the network (through the egress proxy) unless a run says otherwise. */
  network: boolean;
  /** Read-only paths every step sees, besides the system directories. */
  readOnlyPaths: string[];
  /** More paths to hide, after every other bind (a directory becomes an empty tmpfs, a file an empty one). */
  hide?: string[];
  /** Sluice's install folder, hidden; default: the package root of this file, never the working directory. */
  installDir?: string;
  /** The data directory, hidden (a job's checkout inside it is shown again). */
  dataDir?: string;
  /** Files holding secrets (PRIVATE_KEY_PATH): each one's whole folder is hidden. */
  secretFiles?: string[];
  /** Hosts every networked step may reach; default DEFAULT_EGRESS_HOSTS. */
  egressHosts?: string[];
  /** Name resolution of the egress proxy; tests map names to local servers. */
  resolve?: Resolve;
  onEgressRefused?: (refusal: EgressRefusal) => void;
  /** Addresses the egress proxy never connects to; default: loopback, private, link-local… (tests only). */
  egressForbidden?: (address: string) => boolean;
  /** Per-step limits; default DEFAULT_STEP_LIMITS. */
  limits?: StepLimits;
  /** The bubblewrap binary, looked up on PATH unless absolute. */
  bwrap?: string;
}

export const DEFAULT_STEP_LIMITS: StepLimits = {
  memoryBytes: 8 * 1024 ** 3,
  processes: 1024,
  fileBytes: 4 * 1024 ** 3,
};

const FIX_BWRAP =
  'Install bubblewrap (apt-get install bubblewrap util-linux) and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1 / user.max_user_namespaces > 0; in a container, see the capabilities in docs/security.md), then restart Sluice. Only if you accept running pull-request code with the server’s rights, set SLUICE_SANDBOX=none.';

export async function createSandbox(options: SandboxOptions): Promise<Sandbox> {
  if (options.mode === 'none') {
    return new UnsandboxedRunner(
      'SLUICE_SANDBOX=none: steps run UNSANDBOXED as the server user (only the environment is scrubbed); every comment says so',
    );
  }
  const hidden = hiddenPaths({
    installDir: options.installDir ?? packageRoot(),
    dataDir: options.dataDir ?? options.installDir ?? packageRoot(),
    secretFiles: options.secretFiles ?? [],
    extra: options.hide,
  });
  if (!hidden.ok) {
    return new UnavailableSandbox({
      cause: hidden.problem,
      fix: 'Change the setting named above and restart Sluice.',
    });
  }
  const runDir = await mkdtemp(join(tmpdir(), 'sluice-egress-'));
  await chmod(runDir, 0o700);
  const forwarder = join(runDir, 'forwarder.cjs');
  await writeFile(forwarder, FORWARDER_SOURCE, { mode: 0o444 });
  const bwrap = new BwrapSandbox(await systemBinds(), hidden.paths, runDir, forwarder, options);
  const problem = await bwrap.probe();
  if (!problem) return bwrap;
  await rm(runDir, { recursive: true, force: true });
  return new UnavailableSandbox({ cause: `bubblewrap does not work here: ${problem}`, fix: FIX_BWRAP });
}

/** Refuses every step, saying why: the fail-closed state of SLUICE_SANDBOX=bwrap (the default). */
class UnavailableSandbox implements Sandbox {
  readonly mode = 'bwrap';
  readonly reason: string;
  constructor(readonly problem: SandboxProblem) {
    this.reason = `the sandbox is unavailable, no plan or apply runs: ${problem.cause}. Fix: ${problem.fix}`;
  }
  run(): Promise<ExecResult> {
    return Promise.reject(new SluiceError('SANDBOX_UNAVAILABLE', this.reason));
  }
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
  readonly #node = existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath;

  constructor(
    private readonly system: string[],
    private readonly hidden: HiddenPaths,
    private readonly runDir: string,
    private readonly forwarder: string,
    private readonly options: SandboxOptions,
  ) {
    this.reason = `bubblewrap: steps run as uid ${SANDBOX_UID} in their own network namespace, only the job's checkout writable; network ${options.network ? 'through the egress allow-list' : 'off'} unless a repository's rules say otherwise`;
  }

  /** Runs a step as a plan would, with and without the network; a problem in words, or undefined. */
  async probe(): Promise<string | undefined> {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-probe-'));
    // Empty and short-lived: open to a bubblewrap that a wrapper starts as another (unprivileged) user.
    await chmod(dir, 0o777);
    try {
      for (const network of [false, true]) {
        const result = await this.run({
          argv: ['/bin/sh', '-c', 'echo ok > probe && cat probe && id -u'],
          cwd: dir,
          writable: [dir],
          env: { PATH: '/usr/bin:/bin' },
          timeoutMs: 20_000,
          network,
        }).catch((error: Error) => ({ exitCode: null, stdout: '', stderr: error.message }));
        const [ok, uid] = result.stdout.trim().split('\n');
        if (result.exitCode === 0 && ok === 'ok' && uid === String(SANDBOX_UID)) continue;
        const why = (result.stderr.trim() || `exit code ${result.exitCode}`).split('\n')[0];
        return network ? `a step with the egress proxy fails (${why})` : why;
      }
      return undefined;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async run(spec: SandboxRun): Promise<ExecResult> {
    const secrets = [];
    for (const path of this.hidden.secretDirs) {
      const kind = await pathKind(path);
      if (kind) secrets.push({ path, kind });
    }
    const readOnly = [...this.options.readOnlyPaths, ...(spec.readOnly ?? [])];
    const networked = spec.network ?? this.options.network;
    if (networked && !SYSTEM_DIRS.some((d) => isWithin(this.#node, d))) readOnly.push(this.#node);
    const allowed = [...(this.options.egressHosts ?? DEFAULT_EGRESS_HOSTS), ...(spec.allowedHosts ?? [])];
    const egress = networked
      ? await startEgressProxy({
          socket: join(this.runDir, `egress-${randomBytes(6).toString('hex')}.sock`),
          allowed,
          resolve: this.options.resolve,
          onRefused: this.options.onEgressRefused,
          forbidden: this.options.egressForbidden,
        })
      : undefined;
    try {
      const args = bwrapArgs({
        system: this.system,
        privateRoots: this.hidden.privateRoots,
        secrets,
        readOnly,
        writable: spec.writable,
        cwd: spec.cwd,
        env: spec.env,
        argv: spec.argv,
        limits: this.options.limits ?? DEFAULT_STEP_LIMITS,
        hostname: spec.hostname,
        egress: egress
          ? {
              socket: egress.socket,
              forwarder: this.forwarder,
              node: this.#node,
              forwards: loopbackForwards(allowed),
            }
          : undefined,
      });
      return await execProcess({
        ...spec,
        argv: [this.options.bwrap ?? 'bwrap', ...args],
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        // bwrap dies on SIGINT/SIGTERM and takes the tool with it (--die-with-parent): signal inside instead.
        launcher: true,
      });
    } finally {
      await egress?.close();
    }
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
