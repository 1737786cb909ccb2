import type { ChangedFile } from '../forge/types.js';
import { runGit } from './run-git.js';

/** A path inside a `.terraform` directory: OpenTofu's own cache, never part of a change. */
export const TOOL_CACHE_PATH = /(^|\/)\.terraform\//;

export interface WorkingTreeChanges {
  /** What differs between the commit and the working tree, as a pull request of it would list it. */
  files: ChangedFile[];
  /** The working tree differs from HEAD (changed, staged or new files that git does not ignore). */
  dirty: boolean;
}

/**
 * The files that differ between `fromSha` and the working tree: committed, staged and unstaged changes
 * to tracked files, plus untracked files that git does not ignore (as `git add -A` would take them).
 */
export async function workingTreeChanges(root: string, fromSha: string): Promise<WorkingTreeChanges> {
  const [diff, untracked, status] = await Promise.all([
    runGit(root, ['diff', '--name-status', '-z', '--no-renames', fromSha, '--']),
    runGit(root, ['ls-files', '--others', '--exclude-standard', '-z']),
    runGit(root, ['status', '--porcelain', '-z', '--untracked-files=normal']),
  ]);
  const files = parseNameStatus(diff);
  const known = new Set(files.map((f) => f.path));
  for (const path of splitNul(untracked)) {
    if (!known.has(path) && !TOOL_CACHE_PATH.test(path)) files.push({ path, status: 'added' });
  }
  return { files, dirty: status.length > 0 };
}

/** `git diff --name-status -z --no-renames`: a status letter and a path, NUL-separated. */
function parseNameStatus(out: string): ChangedFile[] {
  const fields = splitNul(out);
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i]?.[0];
    files.push({
      path: fields[i + 1] as string,
      status: code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified',
    });
  }
  return files;
}

export function splitNul(out: string): string[] {
  return out.split('\0').filter(Boolean);
}
