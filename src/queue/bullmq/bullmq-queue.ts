import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { checkJob, type Job, jobKey } from '../jobs.js';
import type { EnqueueResult, JobQueue } from '../types.js';

export const QUEUE_NAME = 'sluice-jobs';

export function cancelChannel(prefix: string): string {
  return `${prefix}:cancel`;
}

export interface CancelMessage {
  group: string;
  keep: string;
}

export class BullmqJobQueue implements JobQueue {
  readonly #queue: Queue;
  readonly #redis: Redis;
  readonly #prefix: string;

  constructor(options: { connection: Redis; prefix: string }) {
    this.#redis = options.connection;
    this.#prefix = options.prefix;
    this.#queue = new Queue(QUEUE_NAME, { connection: options.connection, prefix: options.prefix });
  }

  async enqueue(job: Job): Promise<EnqueueResult> {
    checkJob(job);
    const id = jobKey(job);
    if (await this.#queue.getJob(id)) return { id, created: false };
    await this.#queue.add(job.kind, job, {
      jobId: id,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: { age: 24 * 3600, count: 5_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return { id, created: true };
  }

  async supersede(group: string, keep: string): Promise<void> {
    const message: CancelMessage = { group, keep };
    await this.#redis.publish(cancelChannel(this.#prefix), JSON.stringify(message));
  }

  async counts() {
    const c = await this.#queue.getJobCounts(
      'waiting',
      'active',
      'delayed',
      'completed',
      'failed',
      'prioritized',
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      completed: c.completed ?? 0,
      failed: c.failed ?? 0,
    };
  }

  async close(): Promise<void> {
    await this.#queue.close();
  }
}
