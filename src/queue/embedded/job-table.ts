import type { SqliteDatabase } from '../../store/sqlite/open-database.js';

export type JobState = 'waiting' | 'active' | 'completed' | 'failed';

export interface NewJob {
  id: string;
  data: string;
  maxAttempts: number;
  backoffMs: number;
}

export interface ClaimedJob {
  id: string;
  data: string;
  /** Attempts spent before this one. */
  attemptsMade: number;
  maxAttempts: number;
  backoffMs: number;
}

/** How long finished jobs stay, so that enqueueing the same change again is still a duplicate. */
export interface Retention {
  completedMs: number;
  completedCount: number;
  failedMs: number;
}

/**
 * The `jobs` table and every statement on it. Each method is one statement or one BEGIN IMMEDIATE
 * transaction, so workers in several processes never take the same job. Writes about a running job
 * name its owner: once a job's lease was lost, its old owner can no longer change it.
 */
export class JobTable {
  readonly #db: SqliteDatabase;

  constructor(db: SqliteDatabase) {
    this.#db = db;
  }

  /** Adds a job unless one with its id exists (finished ones count until retention drops them). */
  insert(job: NewJob, now: number, retention: Retention): boolean {
    const insert = this.#db.transaction(() => {
      this.#db
        .prepare(
          `DELETE FROM jobs WHERE id = ? AND (
             (state = 'completed' AND finished_at < ?) OR (state = 'failed' AND finished_at < ?))`,
        )
        .run(job.id, now - retention.completedMs, now - retention.failedMs);
      return this.#db
        .prepare(
          `INSERT INTO jobs (id, data, state, max_attempts, backoff_ms, run_at)
           VALUES (@id, @data, 'waiting', @maxAttempts, @backoffMs, @now)
           ON CONFLICT (id) DO NOTHING`,
        )
        .run({ ...job, now }).changes;
    });
    return insert.immediate() === 1;
  }

  /** Takes the oldest due waiting job for `owner`, leased until `lockedUntil`. */
  claim(owner: string, now: number, lockedUntil: number): ClaimedJob | undefined {
    return this.#db
      .prepare<[string, number, number], ClaimedJob>(
        `UPDATE jobs SET state = 'active', owner = ?, locked_until = ?
         WHERE seq = (
           SELECT seq FROM jobs WHERE state = 'waiting' AND run_at <= ? ORDER BY run_at, seq LIMIT 1)
         RETURNING id, data, attempts_made AS attemptsMade, max_attempts AS maxAttempts,
           backoff_ms AS backoffMs`,
      )
      .get(owner, lockedUntil, now);
  }

  /** Extends the lease on every job `owner` runs; returns the ids it still owns. */
  renew(owner: string, lockedUntil: number): string[] {
    return this.#db
      .prepare<[number, string], { id: string }>(
        `UPDATE jobs SET locked_until = ? WHERE owner = ? AND state = 'active' RETURNING id`,
      )
      .all(lockedUntil, owner)
      .map((row) => row.id);
  }

  complete(id: string, owner: string, now: number): boolean {
    return this.#finish(id, owner, { state: 'completed', now, error: null, spent: 0, runAt: null });
  }

  /** Spends an attempt and waits until `runAt` before the next. */
  retry(id: string, owner: string, runAt: number, error: string): boolean {
    return this.#finish(id, owner, { state: 'waiting', now: null, error, spent: 1, runAt });
  }

  /** Spends an attempt; no retry follows. */
  fail(id: string, owner: string, now: number, error: string): boolean {
    return this.#finish(id, owner, { state: 'failed', now, error, spent: 1, runAt: null });
  }

  /** Back to waiting without spending an attempt (the worker shut down). */
  requeue(id: string, owner: string, now: number): boolean {
    return this.#finish(id, owner, { state: 'waiting', now: null, error: null, spent: 0, runAt: now });
  }

  /**
   * Jobs of other owners whose lease ran out (their worker died) go back to waiting, the interrupted run
   * counted as an attempt; those with no attempts left fail. A pool never reaps its own jobs: it renews
   * them, even late, so a slow event loop cannot make it run one job twice.
   */
  reapStalled(owner: string, now: number): Array<{ id: string; state: JobState }> {
    return this.#db
      .prepare<{ owner: string; now: number; error: string }, { id: string; state: JobState }>(
        `UPDATE jobs SET
           state = CASE WHEN attempts_made + 1 >= max_attempts THEN 'failed' ELSE 'waiting' END,
           finished_at = CASE WHEN attempts_made + 1 >= max_attempts THEN @now END,
           attempts_made = attempts_made + 1, run_at = @now, owner = NULL, locked_until = NULL, error = @error
         WHERE state = 'active' AND locked_until < @now AND owner <> @owner
         RETURNING id, state`,
      )
      .all({ owner, now, error: 'stalled: the worker running it stopped without finishing it' });
  }

  counts(now: number): Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number> {
    const row = this.#db
      .prepare<[number, number], Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number>>(
        `SELECT
           count(*) FILTER (WHERE state = 'waiting' AND run_at <= ?) AS waiting,
           count(*) FILTER (WHERE state = 'waiting' AND run_at > ?) AS delayed,
           count(*) FILTER (WHERE state = 'active') AS active,
           count(*) FILTER (WHERE state = 'completed') AS completed,
           count(*) FILTER (WHERE state = 'failed') AS failed
         FROM jobs`,
      )
      .get(now, now);
    return row ?? { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 };
  }

  /** Drops finished jobs past retention. */
  prune(now: number, retention: Retention): void {
    this.#db
      .prepare(
        `DELETE FROM jobs WHERE (state = 'completed' AND (finished_at < @completedBefore OR seq NOT IN (
             SELECT seq FROM jobs WHERE state = 'completed' ORDER BY finished_at DESC LIMIT @keep)))
           OR (state = 'failed' AND finished_at < @failedBefore)`,
      )
      .run({
        completedBefore: now - retention.completedMs,
        keep: retention.completedCount,
        failedBefore: now - retention.failedMs,
      });
  }

  #finish(
    id: string,
    owner: string,
    change: { state: JobState; now: number | null; error: string | null; spent: 0 | 1; runAt: number | null },
  ): boolean {
    return (
      this.#db
        .prepare(
          `UPDATE jobs SET state = @state, finished_at = @now, error = @error,
             attempts_made = attempts_made + @spent, run_at = coalesce(@runAt, run_at),
             owner = NULL, locked_until = NULL
           WHERE id = @id AND owner = @owner AND state = 'active'`,
        )
        .run({ ...change, id, owner }).changes === 1
    );
  }
}
