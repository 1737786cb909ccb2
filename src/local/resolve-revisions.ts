import { LocalGitError, runGit, tryGit } from './run-git.js';
import { UsageError } from './usage-error.js';

/** What a local plan compares: the repository, its HEAD and the base it is compared with. */
export interface LocalRevisions {
  /** The repository's top-level directory. */
  root: string;
  headSha: string;
  /** The checked-out branch; undefined on a detached HEAD. */
  branch?: string;
  /** The base as the user named it (or as it was found) and its commit. */
  base: { ref: string; sha: string };
  /** Where HEAD branched off the base: changes are counted from here, as on a pull request. */
  mergeBase: string;
}

/** Candidates for the default branch when `origin/HEAD` is not set, in order. */
const DEFAULT_BRANCHES = ['main', 'master', 'origin/main', 'origin/master'];

/** Finds the repository around `cwd`, its HEAD and the base (`--base`, or the default branch). */
export async function resolveRevisions(cwd: string, baseRef?: string): Promise<LocalRevisions> {
  const root = (
    await runGit(cwd, ['rev-parse', '--show-toplevel']).catch((error: unknown) => {
      throw new UsageError(
        `${cwd} is not inside a git repository (${(error as Error).message}); run sluice plan in one, or pass --repo <path>.`,
      );
    })
  ).trim();
  if (!root) throw new UsageError(`${cwd} is a bare git repository; sluice plan needs a working tree.`);
  const headSha = await tryGit(root, ['rev-parse', '--verify', '-q', 'HEAD^{commit}']);
  if (!headSha) throw new UsageError(`${root} has no commits yet; commit something first.`);
  const branch = await tryGit(root, ['symbolic-ref', '-q', '--short', 'HEAD']);

  const ref = baseRef ?? (await defaultBranch(root));
  const baseSha = await tryGit(root, ['rev-parse', '--verify', '-q', '--end-of-options', `${ref}^{commit}`]);
  if (!baseSha) throw new UsageError(`--base ${ref} is not a commit, branch or tag in ${root}.`);
  let mergeBase: string;
  try {
    mergeBase = (await runGit(root, ['merge-base', baseSha, headSha])).trim();
  } catch (error) {
    if (!(error instanceof LocalGitError)) throw error;
    throw new UsageError(`HEAD and ${ref} have no common history; pass a related --base.`);
  }
  return { root, headSha, branch, base: { ref, sha: baseSha }, mergeBase };
}

/** `origin/HEAD` when the clone knows it, else the first of main, master, origin/main, origin/master. */
async function defaultBranch(root: string): Promise<string> {
  const remoteHead = await tryGit(root, ['symbolic-ref', '-q', '--short', 'refs/remotes/origin/HEAD']);
  if (remoteHead) return remoteHead;
  for (const name of DEFAULT_BRANCHES) {
    const full = name.startsWith('origin/') ? `refs/remotes/${name}` : `refs/heads/${name}`;
    if (await tryGit(root, ['rev-parse', '--verify', '-q', full])) return name;
  }
  throw new UsageError(
    'found no default branch to compare with (no origin/HEAD, main or master); pass --base <ref>.',
  );
}
