import { type DatabaseSource, type SqliteDatabase, useDatabase } from '../../store/sqlite/open-database.js';
import { holderJson, toLock } from '../lock-record.js';
import type { AcquireResult, Lock, LockHolder, LockManager } from '../types.js';

interface LockRow {
  key: string;
  pr_key: string;
  holder: string;
  acquired_at: string;
  fence: number;
}

const COLUMNS = 'key, pr_key, holder, acquired_at, fence';
const fromRow = (row: LockRow): Lock => toLock(row.key, row.holder, row.acquired_at, row.fence);

export type SqliteLockManagerOptions = DatabaseSource & { clock?: () => Date };

/**
 * Workspace locks in the embedded SQLite database. Every change runs in a BEGIN IMMEDIATE transaction,
 * so it holds the database's write lock from its first read: two processes can never both find a key free.
 */
export class SqliteLockManager implements LockManager {
  readonly #db: SqliteDatabase;
  readonly #owned: boolean;
  readonly #clock: () => Date;

  constructor(options: SqliteLockManagerOptions) {
    const { db, owned } = useDatabase(options, new URL('./schema.sql', import.meta.url));
    this.#db = db;
    this.#owned = owned;
    this.#clock = options.clock ?? (() => new Date());
  }

  async acquire(key: string, holder: LockHolder): Promise<AcquireResult> {
    const json = holderJson(holder);
    const take = this.#db.transaction((): AcquireResult => {
      const current = this.#row(key);
      if (current && current.pr_key !== holder.prKey) return { ok: false, heldBy: fromRow(current) };
      if (current) {
        // Same PR again: keep fence and acquiredAt, record the new holder (head SHA, author).
        this.#db.prepare('UPDATE locks SET holder = ? WHERE key = ?').run(json, key);
        return { ok: true, lock: fromRow({ ...current, holder: json }) };
      }
      const { fence } = this.#db
        .prepare<[string], { fence: number }>(
          `INSERT INTO lock_fences (key, fence) VALUES (?, 1)
           ON CONFLICT (key) DO UPDATE SET fence = fence + 1 RETURNING fence`,
        )
        .get(key) as { fence: number };
      const row: LockRow = {
        key,
        pr_key: holder.prKey,
        holder: json,
        acquired_at: this.#clock().toISOString(),
        fence,
      };
      this.#db
        .prepare(`INSERT INTO locks (${COLUMNS}) VALUES (@key, @pr_key, @holder, @acquired_at, @fence)`)
        .run(row);
      return { ok: true, lock: fromRow(row) };
    });
    return take.immediate();
  }

  async release(key: string, prKey: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM locks WHERE key = ? AND pr_key = ?').run(key, prKey).changes === 1;
  }

  async releaseAll(prKey: string): Promise<Lock[]> {
    const releaseAll = this.#db.transaction(() =>
      this.#db
        .prepare<[string], LockRow>(`DELETE FROM locks WHERE pr_key = ? RETURNING ${COLUMNS}`)
        .all(prKey)
        .map(fromRow)
        .sort(byKey),
    );
    return releaseAll.immediate();
  }

  async get(key: string): Promise<Lock | undefined> {
    const row = this.#row(key);
    return row ? fromRow(row) : undefined;
  }

  async held(prKey: string): Promise<Lock[]> {
    return this.#db
      .prepare<[string], LockRow>(`SELECT ${COLUMNS} FROM locks WHERE pr_key = ? ORDER BY key`)
      .all(prKey)
      .map(fromRow);
  }

  async list(): Promise<Lock[]> {
    return this.#db.prepare<[], LockRow>(`SELECT ${COLUMNS} FROM locks ORDER BY key`).all().map(fromRow);
  }

  async checkFence(key: string, prKey: string, fence: number): Promise<boolean> {
    const row = this.#row(key);
    return row?.pr_key === prKey && row.fence === fence;
  }

  /** Closes the database when this manager opened it. */
  async close(): Promise<void> {
    if (this.#owned) this.#db.close();
  }

  #row(key: string): LockRow | undefined {
    return this.#db.prepare<[string], LockRow>(`SELECT ${COLUMNS} FROM locks WHERE key = ?`).get(key);
  }
}

const byKey = (a: Lock, b: Lock) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
