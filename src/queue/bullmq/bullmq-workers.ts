import { DelayedError, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { SluiceError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { parseJob, supersession } from '../jobs.js';
import type { JobHandler, WorkerPool } from '../types.js';
import { type CancelMessage, cancelChannel, QUEUE_NAME } from './bullmq-queue.js';

export interface BullmqWorkersOptions {
  redisUrl: string;
  prefix: string;
  concurrency: number;
  handler: JobHandler;
  logger: Logger;
  /** How long a running job stays claimed without its worker renewing it; a dead worker's job is retried after it. */
  leaseMs?: number;
}

/** Runs jobs from the BullMQ queue; cancels superseded ones; re-queues what shutdown interrupts. */
export async function startBullmqWorkers(options: BullmqWorkersOptions): Promise<WorkerPool> {
  const { logger, handler } = options;
  const running = new Map<string, { group: string; generation: string }>();
  let closing = false;

  // BullMQ leaves a connection it was given open on close: this one is closed below.
  const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker(
    QUEUE_NAME,
    async (bullJob, token, signal) => {
      let job: ReturnType<typeof parseJob>;
      try {
        job = parseJob(bullJob.data);
      } catch (error) {
        throw new UnrecoverableError(`invalid job data: ${(error as Error).message}`);
      }
      const id = bullJob.id ?? 'unknown';
      const mark = supersession(job);
      if (mark) running.set(id, mark);
      try {
        const attempt = bullJob.attemptsMade + 1;
        await handler(job, {
          id,
          attempt,
          lastAttempt: attempt >= (bullJob.opts.attempts ?? 1),
          signal: signal ?? new AbortController().signal,
        });
      } catch (error) {
        if (closing && signal?.aborted && token) {
          // Interrupted by shutdown: back to the queue without spending an attempt.
          await bullJob.moveToDelayed(Date.now(), token);
          throw new DelayedError();
        }
        if (error instanceof SluiceError && !error.retryable) throw new UnrecoverableError(error.message);
        throw error;
      } finally {
        running.delete(id);
      }
    },
    {
      connection,
      prefix: options.prefix,
      concurrency: options.concurrency,
      lockDuration: options.leaseMs ?? 60_000,
      stalledInterval: (options.leaseMs ?? 60_000) / 2,
      maxStalledCount: 2,
    },
  );
  worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, err: error }, 'job failed'));
  worker.on('error', (error) => logger.error({ err: error }, 'worker error'));

  const subscriber = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
  await subscriber.subscribe(cancelChannel(options.prefix));
  subscriber.on('message', (_channel, raw) => {
    let message: CancelMessage;
    try {
      message = JSON.parse(raw) as CancelMessage;
    } catch {
      return;
    }
    for (const [id, mark] of running) {
      if (mark.group === message.group && mark.generation !== message.keep) {
        logger.info({ jobId: id, group: mark.group }, 'cancelling superseded job');
        worker.cancelJob(id, 'superseded');
      }
    }
  });
  await worker.waitUntilReady();
  logger.info({ concurrency: options.concurrency }, 'workers started');

  return {
    async close(graceMs = 30_000) {
      closing = true;
      const timer = setTimeout(() => {
        logger.warn({ running: [...running.keys()] }, 'shutdown grace period over; re-queueing running jobs');
        worker.cancelAllJobs('shutdown');
      }, graceMs);
      try {
        await worker.close();
      } finally {
        clearTimeout(timer);
        subscriber.disconnect();
        connection.disconnect();
      }
    },
  };
}
