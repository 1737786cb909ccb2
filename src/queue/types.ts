import type { Job } from './jobs.js';

export interface EnqueueResult {
  id: string;
  /** false when a job with the same key already exists (a duplicate). */
  created: boolean;
}

export interface JobQueue {
  enqueue(job: Job): Promise<EnqueueResult>;
  /** Tells every worker to cancel running jobs of `group` whose generation is not `keep`. */
  supersede(group: string, keep: string): Promise<void>;
  /** Jobs by state, for metrics and tests. */
  counts(): Promise<Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed', number>>;
  close(): Promise<void>;
}

export interface JobContext {
  id: string;
  attempt: number;
  /** True when a failure now is final: no retry follows. */
  lastAttempt: boolean;
  /** Aborted when the job is superseded or the worker shuts down without time to finish. */
  signal: AbortSignal;
}

export type JobHandler = (job: Job, context: JobContext) => Promise<void>;

export interface WorkerPool {
  /** Stops taking jobs, lets running ones finish within `graceMs`, then cancels them (they are re-queued). */
  close(graceMs?: number): Promise<void>;
}
