/**
 * Workspace locks: one per repo + project (dir + workspace + name), so two pull requests never plan
 * or apply against one state at once. Backend-neutral; keys come from src/store/keys.ts (lockKey).
 */

export interface LockHolder {
  /** The holding PR, as src/store/keys.ts prKey() names it. */
  prKey: string;
  prNumber: number;
  prUrl: string;
  /** Who opened the PR (or ran the command that took the lock). */
  author: string;
  /** The commit whose plan holds the lock. */
  headSha: string;
  /** Project name, dir and workspace, for messages. */
  project: string;
  dir: string;
  workspace: string;
}

export interface Lock extends LockHolder {
  key: string;
  /** ISO time the lock was first taken by this PR. */
  acquiredAt: string;
  /**
   * Fencing number: strictly increases every time the key changes hands. An apply captures it when it
   * starts and refuses to run when the lock now carries another one.
   */
  fence: number;
}

export type AcquireResult = { ok: true; lock: Lock } | { ok: false; heldBy: Lock };

export interface LockManager {
  /**
   * Takes the lock for `holder.prKey`, atomically. Re-entrant: the same PR taking it again keeps its
   * fence and acquiredAt and records the new headSha. Another PR holding it → `{ ok: false, heldBy }`.
   */
  acquire(key: string, holder: LockHolder): Promise<AcquireResult>;
  /** Releases `key` if `prKey` holds it; false when it does not (nothing changes). */
  release(key: string, prKey: string): Promise<boolean>;
  /** Releases every lock the PR holds, atomically; returns what was released. */
  releaseAll(prKey: string): Promise<Lock[]>;
  get(key: string): Promise<Lock | undefined>;
  /** Locks held by one PR. */
  held(prKey: string): Promise<Lock[]>;
  /** Every lock (for the reconciler and the API). */
  list(): Promise<Lock[]>;
  /** True when `key` is held by `prKey` with exactly this fence. */
  checkFence(key: string, prKey: string, fence: number): Promise<boolean>;
}
