import { isWithin } from './hidden-paths.js';

/** The uid and gid a step runs as inside the sandbox: `nobody`, whatever the server runs as. */
export const SANDBOX_UID = 65534;

/** Per-step resource limits, applied with prlimit inside the sandbox (see docs/security.md). */
export interface StepLimits {
  /** Address space (RLIMIT_AS), bytes. */
  memoryBytes: number;
  /** Processes of the step's user (RLIMIT_NPROC); does not bind a server running as root. */
  processes: number;
  /** Largest file a step may write (RLIMIT_FSIZE), bytes. */
  fileBytes: number;
}

/** Where the egress proxy's socket and the forwarder show inside the sandbox. */
export const EGRESS_SOCKET = '/run/sluice/egress.sock';
export const FORWARDER_SCRIPT = '/run/sluice/forwarder.cjs';
/** The port the forwarder listens on, on the sandbox's own loopback. */
export const FORWARDER_PORT = 3128;

export interface BwrapPlan {
  /** System binds (read-only), from systemBinds(). */
  system: string[];
  /** Covered by an empty tmpfs before the step's binds. */
  privateRoots: string[];
  /** Covered after every other bind; kinds from pathKind(). */
  secrets: Array<{ path: string; kind: 'dir' | 'file' }>;
  readOnly: string[];
  writable: string[];
  cwd: string;
  env: Record<string, string>;
  argv: string[];
  limits?: StepLimits;
  /** The sandbox's host name (its own UTS namespace): an apply's attempt id, which the tool's state lock records. */
  hostname?: string;
  /** When the step may reach the network: the host paths of the proxy socket and the forwarder script. */
  egress?: { socket: string; forwarder: string; node: string; forwards?: string[] };
}

/**
 * The bubblewrap command line for one step. Pure. Order matters: system binds, then the private roots
 * (empty), then the step's tool and work folders, then the secret folders last, so nothing bound before
 * shows them again. A read-only or writable path inside a secret folder is refused (thrown) instead.
 */
export function bwrapArgs(plan: BwrapPlan): string[] {
  for (const path of [...plan.readOnly, ...plan.writable]) {
    const secret = plan.secrets.find((s) => isWithin(path, s.path));
    if (secret) {
      throw new Error(`the sandbox would show ${path}, which holds or is inside the hidden ${secret.path}`);
    }
  }
  const secretArgs = plan.secrets.flatMap((s) =>
    s.kind === 'dir' ? ['--tmpfs', s.path, '--remount-ro', s.path] : ['--ro-bind', '/dev/null', s.path],
  );
  const env = { ...plan.env };
  const proxy = `http://127.0.0.1:${FORWARDER_PORT}`;
  if (plan.egress) {
    for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy']) {
      env[name] = proxy;
    }
    // Forwarded loopback addresses are served inside the sandbox itself: clients go there directly.
    const direct = [...new Set((plan.egress.forwards ?? []).map((f) => f.slice(0, f.lastIndexOf(':'))))].join(
      ',',
    );
    env.NO_PROXY = direct;
    env.no_proxy = direct;
  }
  const limit = plan.limits
    ? [
        '/usr/bin/prlimit',
        `--as=${plan.limits.memoryBytes}`,
        `--nproc=${plan.limits.processes}`,
        `--fsize=${plan.limits.fileBytes}`,
        '--',
      ]
    : [];
  const forward = plan.egress
    ? [
        plan.egress.node,
        FORWARDER_SCRIPT,
        String(FORWARDER_PORT),
        EGRESS_SOCKET,
        ...(plan.egress.forwards ?? []),
        '--',
      ]
    : [];
  return [
    '--die-with-parent',
    '--new-session',
    '--unshare-all',
    ...(plan.hostname ? ['--hostname', plan.hostname] : []),
    // A fresh network namespace always (--unshare-all, no --share-net): loopback only, nothing of the host's.
    '--unshare-user',
    '--uid',
    String(SANDBOX_UID),
    '--gid',
    String(SANDBOX_UID),
    '--cap-drop',
    'ALL',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    // A private /tmp: what the server keeps in its own temp directory is not there.
    '--tmpfs',
    '/tmp',
    ...plan.system,
    ...[...plan.privateRoots].sort((a, b) => a.length - b.length).flatMap((p) => ['--tmpfs', p]),
    ...plan.readOnly.flatMap((p) => ['--ro-bind', p, p]),
    ...plan.writable.flatMap((p) => ['--bind', p, p]),
    ...(plan.egress
      ? ['--ro-bind', plan.egress.socket, EGRESS_SOCKET, '--ro-bind', plan.egress.forwarder, FORWARDER_SCRIPT]
      : []),
    ...secretArgs,
    '--chdir',
    plan.cwd,
    '--clearenv',
    ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v]),
    '--',
    ...forward,
    ...limit,
    ...plan.argv,
  ];
}
