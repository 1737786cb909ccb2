import { lstat, mkdir, symlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { UsageError } from './usage-error.js';

/** A file or folder `--mount` shows read-only to the plan steps. */
export interface Mount {
  /** Absolute path, the same inside the sandbox. */
  path: string;
  /** As the developer wrote it, for messages (`~/.aws`). */
  shown: string;
  /** Relative to the developer's home, when inside it: also linked into each step's own HOME. */
  inHome?: string;
}

/**
 * Resolves `--mount` paths (`~` is the developer's home). Each must exist; the repository itself and
 * the whole home folder are refused (the plan sees only its copy of the working tree, and credentials
 * are asked for one by one).
 */
export async function resolveMounts(
  paths: readonly string[],
  cwd: string,
  repoRoot: string,
  home = homedir(),
): Promise<Mount[]> {
  const mounts: Mount[] = [];
  for (const shown of paths) {
    const expanded = shown === '~' ? home : shown.startsWith('~/') ? join(home, shown.slice(2)) : shown;
    const path = resolve(cwd, expanded);
    if (!(await lstat(path).catch(() => undefined))) {
      throw new UsageError(`--mount ${shown}: ${path} does not exist`);
    }
    if (path === home || path === '/') {
      throw new UsageError(
        `--mount ${shown}: mount the credential files or folders the plan needs (e.g. ~/.aws), not the whole ${path === '/' ? 'file system' : 'home folder'}`,
      );
    }
    const inRepo = relative(repoRoot, path);
    if (!inRepo.startsWith('..') && !isAbsolute(inRepo)) {
      throw new UsageError(
        `--mount ${shown}: it is inside the repository; plans already see their copy of it`,
      );
    }
    const inHome = relative(home, path);
    mounts.push({
      path,
      shown,
      ...(!inHome.startsWith('..') && !isAbsolute(inHome) ? { inHome } : {}),
    });
  }
  return mounts;
}

/**
 * Steps run with a HOME of their own (an empty folder per project); a mount from the developer's home
 * is linked at the same place there, so tools that look in `~/.aws` or `~/.config/gcloud` find it.
 */
export async function linkMountsIntoHome(stepHome: string, mounts: readonly Mount[]): Promise<void> {
  for (const mount of mounts) {
    if (!mount.inHome) continue;
    const link = join(stepHome, mount.inHome);
    await mkdir(dirname(link), { recursive: true });
    await symlink(mount.path, link);
  }
}
