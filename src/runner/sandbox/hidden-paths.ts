import { existsSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** System directories a tool needs, shown read-only. Nothing under /home, /root, /srv or /etc at large. */
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64'];
/** Single files and folders of /etc tools read: the CA certificates, never /etc/ssl/private. */
export const SYSTEM_FILES = [
  '/etc/ssl/certs',
  '/etc/ssl/cert.pem',
  '/etc/ca-certificates',
  '/etc/pki/tls/certs',
  '/etc/pki/ca-trust/extracted',
  '/etc/resolv.conf',
  '/etc/hosts',
  '/etc/nsswitch.conf',
  '/etc/localtime',
  '/etc/passwd',
  '/etc/group',
];

/** Paths that may never be hidden: covering one would take away what every tool needs (or everything). */
const SYSTEM_ROOTS = [
  '/',
  '/usr',
  '/bin',
  '/sbin',
  '/lib',
  '/lib32',
  '/lib64',
  '/etc',
  '/proc',
  '/dev',
  '/tmp',
];

/** Where Sluice is installed: the folder holding its package.json, found from this file, never from cwd. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return dirname(from);
    dir = up;
  }
}

/** Whether `path` is `root` or inside it. */
export function isWithin(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith('/'));
}

export interface HiddenPaths {
  /**
   * Folders covered by an empty tmpfs before the step's own binds (Sluice's install, its data directory):
   * a job's checkout or a tool inside them is then bound on top, nothing else of them shows.
   */
  privateRoots: string[];
  /** Folders holding secrets, covered after every other bind, so no bind can show them again. */
  secretDirs: string[];
}

/**
 * The hidden paths of a server: its install and data directory (private), and the folder of each
 * secret file (a file's whole folder, so a sibling backup or the key's other name is hidden too).
 * Returns a problem, in words for the admin, when a path would cover a system directory.
 */
export function hiddenPaths(input: {
  installDir: string;
  dataDir: string;
  secretFiles: string[];
  /** More folders or files to keep secret (tests, `sluice plan` on a workstation: the user's checkout). */
  extra?: string[];
}): { ok: true; paths: HiddenPaths } | { ok: false; problem: string } {
  const privateRoots = [resolve(input.installDir), resolve(input.dataDir)];
  const secretDirs = input.secretFiles.map((file) => dirname(resolve(file)));
  const extra = (input.extra ?? []).map((p) => resolve(p));
  for (const [path, what] of [
    ...privateRoots.map((p, i) => [p, i === 0 ? "Sluice's install folder" : 'SLUICE_DATA_DIR'] as const),
    ...secretDirs.map((p) => [p, 'the folder of PRIVATE_KEY_PATH'] as const),
    ...extra.map((p) => [p, 'a hidden path'] as const),
  ]) {
    if (SYSTEM_ROOTS.includes(path)) {
      return {
        ok: false,
        problem: `${what} is ${path}, a system folder every sandboxed step needs, so it cannot be hidden from plan code. Move it into a folder of its own (e.g. /var/lib/sluice for SLUICE_DATA_DIR, /etc/sluice/ for the key) and restart.`,
      };
    }
  }
  return { ok: true, paths: { privateRoots, secretDirs: [...secretDirs, ...extra] } };
}

/** Whether a path is a directory (tmpfs over it) or a file (/dev/null over it); undefined when absent. */
export async function pathKind(path: string): Promise<'dir' | 'file' | undefined> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) return undefined;
  return stat.isDirectory() ? 'dir' : 'file';
}
