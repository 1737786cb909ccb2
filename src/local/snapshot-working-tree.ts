import { constants } from 'node:fs';
import { copyFile, lstat, mkdir, readlink, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { mapLimit } from '../jobs/map-limit.js';
import { runGit } from './run-git.js';
import { splitNul, TOOL_CACHE_PATH } from './working-tree-changes.js';

const PARALLEL_COPIES = 16;

/**
 * Copies the working tree as `git add -A` would see it (tracked files as they are on disk, plus
 * untracked files git does not ignore; no `.terraform` caches) into `into`, so plans write there and
 * never into the user's checkout. Returns the copied paths, repo-relative, sorted.
 */
export async function snapshotWorkingTree(root: string, into: string): Promise<string[]> {
  const listed = splitNul(
    await runGit(root, ['ls-files', '--cached', '--others', '--exclude-standard', '-z']),
  ).filter((path) => !TOOL_CACHE_PATH.test(path));
  const paths = [...new Set(listed)].sort();
  const copied = await mapLimit(paths, PARALLEL_COPIES, async (path) => {
    const source = join(root, path);
    const target = join(into, path);
    // A tracked file deleted in the working tree is not there: it is not part of the snapshot.
    const stat = await lstat(source).catch(() => undefined);
    if (!stat) return undefined;
    await mkdir(dirname(target), { recursive: true });
    if (stat.isSymbolicLink()) {
      await symlink(await readlink(source), target);
      return path;
    }
    if (stat.isFile()) {
      await copyFile(source, target, constants.COPYFILE_FICLONE);
      return path;
    }
    // A submodule: an empty directory, as in a fresh worktree of the commit.
    if (stat.isDirectory()) await mkdir(target, { recursive: true });
    return undefined;
  });
  return copied.filter((path): path is string => path !== undefined);
}
