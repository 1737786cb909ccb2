import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { BullmqJobQueue } from '../../../src/queue/bullmq/bullmq-queue.js';
import { startBullmqWorkers } from '../../../src/queue/bullmq/bullmq-workers.js';
import type { PlanJob } from '../../../src/queue/jobs.js';
import type { JobContext, WorkerPool } from '../../../src/queue/types.js';

const repo = { forge: 'github', id: '1', owner: 'acme', name: 'infra', fullName: 'acme/infra' };
const job = (sha: string, number = 1, deliveryId = 'd'): PlanJob => ({
  kind: 'plan',
  pr: { repo, number },
  headSha: sha.repeat(40).slice(0, 40),
  trigger: 'autoplan',
  deliveryId,
});
const until = async (check: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('BullMQ queue and workers (real redis-server)', () => {
  const url = inject('redisUrl');
  const logger = createLogger({ level: 'silent' });
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const setup = async (handler: (job: PlanJob, ctx: JobContext) => Promise<void>, concurrency = 2) => {
    const prefix = `t-${randomUUID()}`;
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new BullmqJobQueue({ connection, prefix });
    const pool: WorkerPool = await startBullmqWorkers({
      redisUrl: url,
      prefix,
      concurrency,
      handler,
      logger,
    });
    cleanup.push(async () => {
      await pool.close(1_000);
      await queue.close();
      connection.disconnect();
    });
    return { queue, pool };
  };

  it('runs a job once however often the same change is enqueued', async () => {
    const seen: string[] = [];
    const { queue } = await setup(async (j) => {
      seen.push(j.headSha);
    });
    const results = await Promise.all([
      queue.enqueue(job('a')),
      queue.enqueue(job('a')),
      queue.enqueue(job('a')),
    ]);
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
    await until(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 300));
    expect(seen).toEqual([job('a').headSha]);
    expect((await queue.enqueue(job('a'))).created).toBe(false);
  });

  it('cancels a running job when a newer head supersedes it, and leaves other PRs alone', async () => {
    const outcomes = new Map<string, string>();
    const { queue } = await setup(async (j, ctx) => {
      const key = `${j.pr.number}/${j.headSha[0]}`;
      outcomes.set(key, 'running');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 3_000);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          resolve();
        });
      });
      outcomes.set(key, ctx.signal.aborted ? `aborted:${String(ctx.signal.reason)}` : 'finished');
    }, 3);
    await queue.enqueue(job('a', 1));
    await queue.enqueue(job('a', 2));
    await until(() => outcomes.get('1/a') === 'running' && outcomes.get('2/a') === 'running');
    await queue.enqueue(job('b', 1));
    await queue.supersede('github/1/pr/1', job('b', 1).headSha);
    await until(() => outcomes.get('1/a')?.startsWith('aborted') ?? false, 2_000);
    expect(outcomes.get('1/a')).toBe('aborted:superseded');
    await until(() => outcomes.get('2/a') === 'finished' && outcomes.get('1/b') === 'finished');
  });

  it('re-queues a job interrupted by shutdown, and another worker finishes it', async () => {
    const prefix = `t-${randomUUID()}`;
    const connection = new Redis(url, { maxRetriesPerRequest: null });
    const queue = new BullmqJobQueue({ connection, prefix });
    const starts: number[] = [];
    const finished: string[] = [];
    const handler = async (j: PlanJob, ctx: JobContext) => {
      starts.push(ctx.attempt);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 1_500);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('interrupted'));
        });
      });
      finished.push(j.headSha);
    };
    const first = await startBullmqWorkers({ redisUrl: url, prefix, concurrency: 1, handler, logger });
    await queue.enqueue(job('c'));
    await until(() => starts.length === 1);
    await first.close(100);
    expect(finished).toEqual([]);
    const second = await startBullmqWorkers({ redisUrl: url, prefix, concurrency: 1, handler, logger });
    cleanup.push(async () => {
      await second.close(1_000);
      await queue.close();
      connection.disconnect();
    });
    await until(() => finished.length === 1);
    // The interruption did not spend an attempt.
    expect(starts).toEqual([1, 1]);
    expect((await queue.counts()).failed).toBe(0);
  });
});
