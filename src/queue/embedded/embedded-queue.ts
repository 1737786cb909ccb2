import { EventEmitter } from 'node:events';
import { type DatabaseSource, type SqliteDatabase, useDatabase } from '../../store/sqlite/open-database.js';
import { checkJob, type Job, jobKey } from '../jobs.js';
import type { EnqueueResult, JobQueue } from '../types.js';
import { CancelLog } from './cancel-log.js';
import { JobTable, type Retention } from './job-table.js';

/** As the BullMQ queue: 3 attempts, exponential backoff from 2 s, finished jobs kept for dedupe. */
export const EMBEDDED_JOB_DEFAULTS = { attempts: 3, backoffMs: 2_000 };
export const EMBEDDED_RETENTION: Retention = {
  completedMs: 24 * 3600 * 1000,
  completedCount: 5_000,
  failedMs: 7 * 24 * 3600 * 1000,
};

export type EmbeddedJobQueueOptions = DatabaseSource & {
  clock?: () => number;
  attempts?: number;
  backoffMs?: number;
};

/**
 * The job queue in the embedded SQLite database. Worker pools of this process are woken at once on
 * enqueue and supersede (through `onChange`); those of other processes notice on their next poll.
 */
export class EmbeddedJobQueue implements JobQueue {
  readonly table: JobTable;
  readonly cancels: CancelLog;
  readonly clock: () => number;
  readonly #db: SqliteDatabase;
  readonly #owned: boolean;
  readonly #changes = new EventEmitter();
  readonly #attempts: number;
  readonly #backoffMs: number;

  constructor(options: EmbeddedJobQueueOptions) {
    const { db, owned } = useDatabase(options, new URL('./schema.sql', import.meta.url));
    this.#db = db;
    this.#owned = owned;
    this.table = new JobTable(db);
    this.cancels = new CancelLog(db);
    this.clock = options.clock ?? Date.now;
    this.#attempts = options.attempts ?? EMBEDDED_JOB_DEFAULTS.attempts;
    this.#backoffMs = options.backoffMs ?? EMBEDDED_JOB_DEFAULTS.backoffMs;
  }

  async enqueue(job: Job): Promise<EnqueueResult> {
    checkJob(job);
    const id = jobKey(job);
    const created = this.table.insert(
      { id, data: JSON.stringify(job), maxAttempts: this.#attempts, backoffMs: this.#backoffMs },
      this.clock(),
      EMBEDDED_RETENTION,
    );
    if (created) this.#changes.emit('change');
    return { id, created };
  }

  async supersede(group: string, keep: string): Promise<void> {
    this.cancels.append(group, keep, this.clock());
    this.#changes.emit('change');
  }

  async counts() {
    return this.table.counts(this.clock());
  }

  /** Calls `listener` after every enqueue and supersede in this process; returns how to stop. */
  onChange(listener: () => void): () => void {
    this.#changes.on('change', listener);
    return () => this.#changes.off('change', listener);
  }

  /** Closes the database when this queue opened it; close worker pools first. */
  async close(): Promise<void> {
    if (this.#owned) this.#db.close();
  }
}
