import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface FileChange {
  filename: string;
  status: 'added' | 'modified' | 'removed' | 'renamed';
  previous_filename?: string;
}

/**
 * A real bare git repository as a PR's clone source, with a work clone to make commits in, and a fork
 * of it (another bare repository) for pull requests whose head branch lives elsewhere.
 */
export interface GitOrigin {
  url: string;
  bareDir: string;
  /** The fork's own repository: a fork PR's branch is pushed there, never to the origin. */
  forkUrl: string;
  /**
   * Commits `files` on `branch` from `from` (a branch or SHA); null deletes, `{ symlink }` links, `{ executable }` is a file with its x bit. Returns
   * the SHA. With `fork`, the branch is pushed to the fork: the origin gets the commit only through a
   * PR's head ref (setPullHead, setMergeRequestHead), as on a forge, and no push listener hears of it.
   */
  commit(
    branch: string,
    files: FileSet,
    options?: { from?: string; message?: string; fork?: boolean },
  ): Promise<string>;
  /**
   * Merges `branch` (the fork's, with `fork`) into `into` with a merge commit (as GitHub's merge button
   * does); returns its SHA.
   */
  merge(branch: string, into: string, options?: { fork?: boolean }): Promise<string>;
  /**
   * Calls `listener` with each branch's head now, then after every push to a branch: how a fake forge
   * learns where its branches are, as the real one does from pushes.
   */
  onPush(listener: (branch: string, sha: string) => void): void;
  /** Points refs/pull/<n>/head at `sha` (a commit of the work clone, a fork's too), like GitHub does. */
  setPullHead(number: number, sha: string): Promise<void>;
  /** Points refs/merge-requests/<iid>/head at `sha`, like GitLab does. */
  setMergeRequestHead(iid: number, sha: string): Promise<void>;
  /** What changed between base and head, in GitHub's files-list shape. */
  diff(base: string, head: string): Promise<FileChange[]>;
  git(...args: string[]): Promise<string>;
  destroy(): Promise<void>;
}

export type FileSet = Record<string, string | null | { symlink: string } | { executable: string }>;

const STATUS: Record<string, FileChange['status']> = {
  A: 'added',
  M: 'modified',
  D: 'removed',
  R: 'renamed',
};

export async function createGitOrigin(initial: Record<string, string>): Promise<GitOrigin> {
  const root = await mkdtemp(join(tmpdir(), 'sluice-origin-'));
  const bareDir = join(root, 'origin.git');
  const forkDir = join(root, 'fork.git');
  const workDir = join(root, 'work');
  const git = async (...args: string[]) =>
    (
      await run('git', args, {
        cwd: workDir,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 'Dev',
          GIT_AUTHOR_EMAIL: 'dev@example.com',
          GIT_COMMITTER_NAME: 'Dev',
          GIT_COMMITTER_EMAIL: 'dev@example.com',
        },
      })
    ).stdout.trim();

  await run('git', ['init', '--bare', '-q', '-b', 'main', bareDir]);
  await run('git', ['init', '--bare', '-q', '-b', 'main', forkDir]);
  await run('git', ['init', '-q', '-b', 'main', workDir]);
  await git('remote', 'add', 'origin', bareDir);
  await git('remote', 'add', 'fork', forkDir);

  // Pushed from the work clone: a fork's commit reaches the origin with its ref, as the forge copies it.
  const setRef = async (ref: string, sha: string) => {
    await git('push', '-q', '-f', 'origin', `${sha}:${ref}`);
  };
  const heads = new Map<string, string>();
  const listeners: Array<(branch: string, sha: string) => void> = [];
  const pushed = (branch: string, sha: string) => {
    heads.set(branch, sha);
    for (const listener of listeners) listener(branch, sha);
    return sha;
  };

  const origin: GitOrigin = {
    url: `file://${bareDir}`,
    bareDir,
    forkUrl: `file://${forkDir}`,
    git,
    async commit(branch, files, options = {}) {
      const hasHead = await git('rev-parse', '--verify', '-q', 'HEAD').then(
        () => true,
        () => false,
      );
      if (hasHead) await git('checkout', '-q', '-B', branch, options.from ?? 'HEAD');
      for (const [path, content] of Object.entries(files)) {
        const full = join(workDir, path);
        if (content === null) {
          await git('rm', '-q', '-r', '--', path);
        } else if (typeof content === 'object' && 'symlink' in content) {
          await mkdir(dirname(full), { recursive: true });
          await symlink(content.symlink, full);
          await git('add', '--', path);
        } else if (typeof content === 'object') {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content.executable, { mode: 0o755 });
          await git('add', '--', path);
        } else {
          await mkdir(dirname(full), { recursive: true });
          await writeFile(full, content);
          await git('add', '--', path);
        }
      }
      await git('commit', '-q', '--allow-empty', '-m', options.message ?? `change on ${branch}`);
      if (options.fork) {
        await git('push', '-q', '-f', 'fork', `HEAD:refs/heads/${branch}`);
        return git('rev-parse', 'HEAD');
      }
      await git('push', '-q', '-f', 'origin', `HEAD:refs/heads/${branch}`);
      return pushed(branch, await git('rev-parse', 'HEAD'));
    },
    async merge(branch, into, options = {}) {
      const from = options.fork ? 'fork' : 'origin';
      await git('fetch', '-q', 'origin');
      if (options.fork) await git('fetch', '-q', 'fork');
      await git('checkout', '-q', '-B', into, `origin/${into}`);
      await git('merge', '-q', '--no-ff', '-m', `Merge branch ${branch}`, `${from}/${branch}`);
      await git('push', '-q', 'origin', `HEAD:refs/heads/${into}`);
      return pushed(into, await git('rev-parse', 'HEAD'));
    },
    onPush(listener) {
      listeners.push(listener);
      for (const [branch, sha] of heads) listener(branch, sha);
    },
    async setPullHead(number, sha) {
      await setRef(`refs/pull/${number}/head`, sha);
    },
    async setMergeRequestHead(iid, sha) {
      await setRef(`refs/merge-requests/${iid}/head`, sha);
    },
    async diff(base, head) {
      const out = await git('diff', '--name-status', '-M', `${base}...${head}`);
      return out
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [code = '', a = '', b] = line.split('\t');
          const status = STATUS[code[0] ?? 'M'] ?? 'modified';
          return status === 'renamed'
            ? { filename: b ?? a, status, previous_filename: a }
            : { filename: a, status };
        });
    },
    async destroy() {
      await rm(root, { recursive: true, force: true });
    },
  };
  await origin.commit('main', initial, { message: 'initial' });
  return origin;
}
