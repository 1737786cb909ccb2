import { randomUUID } from 'node:crypto';
import { isRetryable } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { type Job, parseJob, supersession } from '../jobs.js';
import type { JobHandler, WorkerPool } from '../types.js';
import { EMBEDDED_RETENTION, type EmbeddedJobQueue } from './embedded-queue.js';
import type { ClaimedJob } from './job-table.js';

export interface EmbeddedWorkersOptions {
  queue: EmbeddedJobQueue;
  concurrency: number;
  handler: JobHandler;
  logger: Logger;
  /** How often to look for due jobs (enqueues in this process wake the pool at once). */
  pollMs?: number;
  /** A running job's lease; renewed every third of it. A job whose lease ran out counts as stalled. */
  leaseMs?: number;
}

/** Why a running job's signal was aborted. */
const SUPERSEDED = 'superseded';
const SHUTDOWN = 'shutdown';
const LEASE_LOST = 'lease-lost';
const PRUNE_EVERY_MS = 60_000;

interface Running {
  /** Undefined for jobs no newer push supersedes (everything but plans). */
  mark: { group: string; generation: string } | undefined;
  controller: AbortController;
  done: Promise<void>;
}

/**
 * Runs jobs from the embedded queue, `concurrency` at a time; the semantics of the BullMQ workers:
 * retries with exponential backoff (none for non-retryable errors), cancellation of superseded jobs,
 * graceful shutdown that re-queues what it interrupts, and recovery of jobs whose worker died.
 */
export class EmbeddedWorkerPool implements WorkerPool {
  readonly #queue: EmbeddedJobQueue;
  readonly #options: Required<Omit<EmbeddedWorkersOptions, 'queue'>>;
  readonly #owner = randomUUID();
  readonly #running = new Map<string, Running>();
  #cancelSeq = 0;
  #lastPrune = 0;
  #closing = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(options: EmbeddedWorkersOptions) {
    this.#queue = options.queue;
    this.#options = {
      concurrency: options.concurrency,
      handler: options.handler,
      logger: options.logger,
      pollMs: options.pollMs ?? 200,
      leaseMs: options.leaseMs ?? 30_000,
    };
  }

  start(): void {
    this.#cancelSeq = this.#queue.cancels.latest();
    this.#unsubscribe = this.#queue.onChange(() => this.#schedule(0));
    this.#renewTimer = setInterval(() => this.#renew(), this.#options.leaseMs / 3);
    this.#schedule(0);
    this.#options.logger.info({ concurrency: this.#options.concurrency }, 'workers started');
  }

  async close(graceMs = 30_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#unsubscribe?.();
    const settled = Promise.all([...this.#running.values()].map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    });
    if (await Promise.race([settled.then(() => false), graceOver])) {
      this.#options.logger.warn(
        { running: [...this.#running.keys()] },
        'shutdown grace period over; re-queueing running jobs',
      );
      for (const running of this.#running.values()) running.controller.abort(SHUTDOWN);
      await settled;
    }
    clearTimeout(timer);
    clearTimeout(this.#pollTimer);
    clearInterval(this.#renewTimer);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = setTimeout(() => this.#tick(), ms);
  }

  /** One poll: apply supersede requests, recover stalled jobs, take due jobs while there is room. */
  #tick(): void {
    const queue = this.#queue;
    try {
      const now = queue.clock();
      this.#applyCancels();
      for (const { id, state } of queue.table.reapStalled(this.#owner, now)) {
        this.#options.logger.warn({ jobId: id, state }, 'job stalled: its worker stopped; attempt counted');
      }
      if (now - this.#lastPrune >= PRUNE_EVERY_MS) {
        this.#lastPrune = now;
        queue.table.prune(now, EMBEDDED_RETENTION);
        queue.cancels.prune(now);
      }
      while (!this.#closing && this.#running.size < this.#options.concurrency) {
        const claimed = queue.table.claim(this.#owner, now, now + this.#options.leaseMs);
        if (!claimed) break;
        this.#run(claimed);
      }
    } catch (error) {
      this.#options.logger.error({ err: error }, 'embedded queue poll failed');
    }
    // While closing, keep applying supersede requests until running jobs have settled.
    this.#schedule(this.#options.pollMs);
  }

  #applyCancels(): void {
    for (const request of this.#queue.cancels.after(this.#cancelSeq)) {
      this.#cancelSeq = request.seq;
      for (const [id, running] of this.#running) {
        if (running.mark?.group === request.group && running.mark.generation !== request.keep) {
          this.#options.logger.info({ jobId: id, group: request.group }, 'cancelling superseded job');
          running.controller.abort(SUPERSEDED);
        }
      }
    }
  }

  #renew(): void {
    if (this.#running.size === 0) return;
    try {
      const held = new Set(this.#queue.table.renew(this.#owner, this.#queue.clock() + this.#options.leaseMs));
      for (const [id, running] of this.#running) {
        if (held.has(id) || running.controller.signal.aborted) continue;
        this.#options.logger.error({ jobId: id }, 'lost the lease on a running job; cancelling it here');
        running.controller.abort(LEASE_LOST);
      }
    } catch (error) {
      this.#options.logger.error({ err: error }, 'could not renew job leases');
    }
  }

  #run(claimed: ClaimedJob): void {
    const { id } = claimed;
    let job: Job;
    try {
      job = parseJob(JSON.parse(claimed.data));
    } catch (error) {
      this.#options.logger.error({ jobId: id, err: error }, 'invalid job data; failing the job');
      this.#queue.table.fail(id, this.#owner, this.#queue.clock(), `invalid job data: ${message(error)}`);
      return;
    }
    const attempt = claimed.attemptsMade + 1;
    const controller = new AbortController();
    const context = {
      id,
      attempt,
      lastAttempt: attempt >= claimed.maxAttempts,
      signal: controller.signal,
    };
    const done = Promise.resolve()
      .then(() => this.#options.handler(job, context))
      .then(
        () => this.#settle(claimed, controller.signal, { ok: true }),
        (error: unknown) => this.#settle(claimed, controller.signal, { ok: false, error }),
      )
      .finally(() => {
        this.#running.delete(id);
        if (!this.#closing) this.#schedule(0);
      });
    this.#running.set(id, { mark: supersession(job), controller, done });
  }

  #settle(
    claimed: ClaimedJob,
    signal: AbortSignal,
    outcome: { ok: true } | { ok: false; error: unknown },
  ): void {
    const { id } = claimed;
    const { table, clock } = this.#queue;
    const reason = signal.aborted ? signal.reason : undefined;
    const attempt = claimed.attemptsMade + 1;
    try {
      if (reason === LEASE_LOST) return;
      if (reason === SHUTDOWN) {
        // Interrupted by shutdown, however the handler ended: back to the queue, no attempt spent.
        table.requeue(id, this.#owner, clock());
        this.#options.logger.info({ jobId: id }, 'job re-queued: interrupted by shutdown');
        return;
      }
      if (outcome.ok) {
        table.complete(id, this.#owner, clock());
        return;
      }
      this.#options.logger.warn({ jobId: id, attempt, err: outcome.error }, 'job failed');
      // A superseded job is not worth another attempt.
      const final = reason === SUPERSEDED || !isRetryable(outcome.error) || attempt >= claimed.maxAttempts;
      if (final) table.fail(id, this.#owner, clock(), message(outcome.error));
      else
        table.retry(
          id,
          this.#owner,
          clock() + claimed.backoffMs * 2 ** (attempt - 1),
          message(outcome.error),
        );
    } catch (error) {
      this.#options.logger.error({ jobId: id, err: error }, 'could not record the end of a job');
    }
  }
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Starts an embedded worker pool (the counterpart of startBullmqWorkers). */
export async function startEmbeddedWorkers(options: EmbeddedWorkersOptions): Promise<WorkerPool> {
  const pool = new EmbeddedWorkerPool(options);
  pool.start();
  return pool;
}
