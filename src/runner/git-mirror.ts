import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SluiceError } from '../errors.js';
import type { ChangedFile, CloneAccess, RepoRef } from '../forge/types.js';
import { repoKey } from '../store/keys.js';

const run = promisify(execFile);

export interface Checkout {
  /** The working tree of exactly the requested commit. */
  dir: string;
  sha: string;
  /** Every file in the commit, repo-relative with POSIX separators. */
  listFiles(): Promise<string[]>;
  /** The files that differ between `fromSha` and this commit, fetched when missing. */
  diff(fromSha: string): Promise<ChangedFile[]>;
  /** The files the base branch (at `baseSha`) changed since this commit branched off it. */
  changedOnBase(baseSha: string): Promise<ChangedFile[]>;
  dispose(): Promise<void>;
}

/**
 * One bare mirror per repository, fetched incrementally; each job gets its own `git worktree` of the
 * exact commit (never a full clone per job). Credentials travel in the environment of the fetch only:
 * never in a URL, the mirror's config, a command line or a log.
 */
export class GitMirrors {
  readonly #root: string;
  /** Fetches into one mirror run one at a time in this process. */
  readonly #queues = new Map<string, Promise<unknown>>();

  constructor(options: { root: string }) {
    this.#root = options.root;
  }

  async checkout(
    repo: RepoRef,
    access: CloneAccess,
    sha: string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Checkout> {
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha))
      throw new SluiceError('JOB_INVALID', `not a commit SHA: ${sha}`);
    const mirror = join(this.#root, 'mirrors', `${repoKey(repo).replace(/[^A-Za-z0-9_.-]/g, '_')}.git`);
    await this.#serial(mirror, () => this.#ensureCommit(mirror, access, sha, options.signal));
    const dir = join(this.#root, 'worktrees', randomUUID());
    await mkdir(join(this.#root, 'worktrees'), { recursive: true });
    await this.#serial(mirror, () => git(mirror, ['worktree', 'add', '--detach', '--quiet', dir, sha], {}));
    return {
      dir,
      sha,
      listFiles: async () =>
        (await git(mirror, ['ls-tree', '-r', '-z', '--name-only', sha], {})).split('\0').filter(Boolean),
      diff: async (fromSha) => {
        await this.#serial(mirror, () => this.#ensureCommit(mirror, access, fromSha, options.signal));
        const out = await git(mirror, ['diff', '--name-status', '-z', '--no-renames', fromSha, sha], {});
        return parseNameStatus(out);
      },
      changedOnBase: async (baseSha) => {
        await this.#serial(mirror, () => this.#ensureCommit(mirror, access, baseSha, options.signal));
        const base = (await git(mirror, ['merge-base', sha, baseSha], {})).trim();
        const out = await git(mirror, ['diff', '--name-status', '-z', '--no-renames', base, baseSha], {});
        return parseNameStatus(out);
      },
      dispose: async () => {
        await rm(dir, { recursive: true, force: true });
        await this.#serial(mirror, () => git(mirror, ['worktree', 'prune'], {})).catch(() => {});
      },
    };
  }

  async #ensureCommit(mirror: string, access: CloneAccess, sha: string, signal?: AbortSignal): Promise<void> {
    if (!(await exists(join(mirror, 'HEAD')))) {
      await mkdir(mirror, { recursive: true });
      await git(mirror, ['init', '--bare', '--quiet'], {});
    }
    if (await hasCommit(mirror, sha)) return;
    const env = credentialEnv(access);
    const fetch = (refspecs: string[]) =>
      git(mirror, ['fetch', '--quiet', '--no-tags', '--prune', access.url, ...refspecs], env, signal);
    try {
      // Most forges serve a reachable commit by its SHA; that is the cheapest fetch.
      await fetch([sha]);
    } catch {
      // Otherwise fetch branches and PR refs, then look again.
      try {
        await fetch(['+refs/heads/*:refs/heads/*', ...access.refspecs]);
      } catch (error) {
        throw new SluiceError(
          'GIT_FETCH_FAILED',
          `git fetch of ${redactUrl(access.url)} failed: ${gitMessage(error)}`,
          {
            cause: error,
          },
        );
      }
    }
    if (!(await hasCommit(mirror, sha))) {
      throw new SluiceError(
        'GIT_FETCH_FAILED',
        `commit ${sha} is not in ${redactUrl(access.url)} (force-pushed away?)`,
      );
    }
  }

  #serial<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.#queues.get(key) ?? Promise.resolve();
    const next = previous.then(task, task);
    this.#queues.set(
      key,
      next.catch(() => {}),
    );
    return next;
  }
}

async function git(
  gitDir: string,
  args: string[],
  env: Record<string, string>,
  signal?: AbortSignal,
): Promise<string> {
  const { stdout } = await run('git', ['--git-dir', gitDir, ...args], {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      GIT_TERMINAL_PROMPT: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      LANG: 'C',
      ...env,
    },
    maxBuffer: 256 * 1024 * 1024,
    signal,
  });
  return stdout;
}

/** Basic auth as an extra header given through GIT_CONFIG_* variables: nothing is written to disk. */
function credentialEnv(access: CloneAccess): Record<string, string> {
  if (!access.password) return {};
  const basic = Buffer.from(`${access.username ?? 'git'}:${access.password}`).toString('base64');
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

async function hasCommit(mirror: string, sha: string): Promise<boolean> {
  return git(mirror, ['cat-file', '-e', `${sha}^{commit}`], {}).then(
    () => true,
    () => false,
  );
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, '//');
}

function gitMessage(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return redactUrl(stderr || (error as Error).message)
    .split('\n')
    .slice(-3)
    .join(' ');
}

/** `git diff --name-status -z --no-renames`: status and path, NUL-separated. */
function parseNameStatus(out: string): ChangedFile[] {
  const fields = out.split('\0').filter(Boolean);
  const files: ChangedFile[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const code = fields[i]?.[0];
    const path = fields[i + 1] as string;
    files.push({ path, status: code === 'A' ? 'added' : code === 'D' ? 'removed' : 'modified' });
  }
  return files;
}
