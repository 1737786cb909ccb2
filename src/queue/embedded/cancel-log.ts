import type { SqliteDatabase } from '../../store/sqlite/open-database.js';

export interface CancelRequest {
  seq: number;
  group: string;
  keep: string;
}

/** How long supersede requests are kept; a worker pool only reads those newer than its last read. */
const KEEP_MS = 3600 * 1000;

/**
 * The `job_cancels` table: supersede() requests as an append-only log, so worker pools in other
 * processes on the same database see them too (the embedded stand-in for Redis pub/sub).
 */
export class CancelLog {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  append(group: string, keep: string, now: number): void {
    this.#db.prepare('INSERT INTO job_cancels (grp, keep, at) VALUES (?, ?, ?)').run(group, keep, now);
  }

  /** The newest request's seq (0 when none): a pool starting now ignores everything up to it. */
  latest(): number {
    const row = this.#db.prepare<[], { seq: number | null }>('SELECT max(seq) AS seq FROM job_cancels').get();
    return row?.seq ?? 0;
  }

  after(seq: number): CancelRequest[] {
    return this.#db
      .prepare<[number], CancelRequest>(
        'SELECT seq, grp AS "group", keep FROM job_cancels WHERE seq > ? ORDER BY seq',
      )
      .all(seq);
  }

  prune(now: number): void {
    this.#db.prepare('DELETE FROM job_cancels WHERE at < ?').run(now - KEEP_MS);
  }
}
