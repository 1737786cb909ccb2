import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../../src/logger.js';
import { EmbeddedJobQueue } from '../../../src/queue/embedded/embedded-queue.js';
import { startEmbeddedWorkers } from '../../../src/queue/embedded/embedded-workers.js';
import { type ClosedJob, type Job, jobKey } from '../../../src/queue/jobs.js';
import type { JobContext } from '../../../src/queue/types.js';
import { openDatabase } from '../../../src/store/sqlite/open-database.js';
import { PR_GROUP, planJob, sleep, until, waitOrAbort } from '../../contract/fixtures.js';

const logger = createLogger({ level: 'silent' });
const HOUR = 3600 * 1000;

describe('embedded queue and workers', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const setup = async (options: { clock?: () => number } = {}) => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-embedded-'));
    const path = join(dir, 'sluice.db');
    const queue = new EmbeddedJobQueue({ path, ...options });
    cleanup.push(async () => {
      await queue.close();
      await rm(dir, { recursive: true, force: true });
    });
    const start = async (
      handler: (job: Job, ctx: JobContext) => Promise<void>,
      extra: { leaseMs?: number; concurrency?: number } = {},
    ) => {
      const pool = await startEmbeddedWorkers({
        queue,
        handler,
        logger,
        concurrency: extra.concurrency ?? 2,
        pollMs: 20,
        leaseMs: extra.leaseMs,
      });
      cleanup.push(() => pool.close(1_000));
      return pool;
    };
    return { path, queue, start };
  };

  const newJob = (job: Job) => ({
    id: jobKey(job),
    data: JSON.stringify(job),
    maxAttempts: 3,
    backoffMs: 10,
  });
  const retention = { completedMs: 24 * HOUR, completedCount: 5_000, failedMs: 7 * 24 * HOUR };

  it('recovers a job whose worker died: back to waiting, the lost run counted as an attempt', async () => {
    const { queue, start } = await setup();
    await queue.enqueue(planJob('a'));
    const now = Date.now();
    // A worker that took it and died: its lease is already over.
    expect(queue.table.claim('dead-worker', now, now - 1)?.id).toBe(jobKey(planJob('a')));
    const attempts: Array<[number, boolean]> = [];
    await start(async (_job, ctx) => {
      attempts.push([ctx.attempt, ctx.lastAttempt]);
    });
    await until(async () => (await queue.counts()).completed === 1);
    expect(attempts).toEqual([[2, false]]);
  });

  it('fails a dead worker’s job that has no attempts left, without running it', async () => {
    const { queue, start } = await setup();
    const job = planJob('a');
    await queue.enqueue(job);
    const now = Date.now();
    for (let i = 0; i < 2; i++) {
      queue.table.claim('w', now, now + HOUR);
      queue.table.retry(jobKey(job), 'w', now, 'flaky');
    }
    queue.table.claim('dead-worker', now, now - 1);
    let ran = 0;
    await start(async () => {
      ran++;
    });
    await until(async () => (await queue.counts()).failed === 1);
    expect(ran).toBe(0);
  });

  it('leaves a job alone while another worker’s lease on it is live', async () => {
    const { queue, start } = await setup();
    await queue.enqueue(planJob('a'));
    queue.table.claim('other-worker', Date.now(), Date.now() + HOUR);
    let ran = 0;
    await start(async () => {
      ran++;
    });
    await sleep(300);
    expect(ran).toBe(0);
    expect(await queue.counts()).toMatchObject({ active: 1, waiting: 0 });
  });

  it('never runs a job twice when its own pool renewed the lease late (a blocked event loop)', async () => {
    const { queue, start } = await setup();
    const starts: number[] = [];
    await start(
      async (_job, ctx) => {
        starts.push(ctx.attempt);
        const blockedUntil = Date.now() + 600;
        while (Date.now() < blockedUntil) {
          // Blocks the event loop past the 300 ms lease.
        }
        await sleep(200);
      },
      { leaseMs: 300 },
    );
    await queue.enqueue(planJob('a'));
    await until(async () => (await queue.counts()).completed === 1);
    expect(starts).toEqual([1]);
  });

  it('cancels a job whose lease another worker took over, and leaves the row to that worker', async () => {
    const { path, queue, start } = await setup();
    const reasons: unknown[] = [];
    await start(
      async (_job, ctx) => {
        await waitOrAbort(ctx.signal, 5_000);
        reasons.push(ctx.signal.reason);
      },
      { leaseMs: 300 },
    );
    const { id } = await queue.enqueue(planJob('a'));
    await until(async () => (await queue.counts()).active === 1);
    const other = openDatabase(path);
    cleanup.push(async () => other.close());
    other
      .prepare("UPDATE jobs SET owner = 'thief', locked_until = ? WHERE id = ?")
      .run(Date.now() + HOUR, id);
    await until(() => reasons.length === 1, 2_000);
    expect(reasons).toEqual(['lease-lost']);
    await sleep(100);
    expect(other.prepare('SELECT state, owner FROM jobs WHERE id = ?').get(id)).toEqual({
      state: 'active',
      owner: 'thief',
    });
  });

  it('fails a job whose stored data is not a valid job, without running it', async () => {
    const { queue, start } = await setup();
    queue.table.insert(
      { id: 'bad', data: '{"kind":"plan","pr":{}}', maxAttempts: 3, backoffMs: 10 },
      Date.now(),
      retention,
    );
    let ran = 0;
    await start(async () => {
      ran++;
    });
    await until(async () => (await queue.counts()).failed === 1);
    expect(ran).toBe(0);
  });

  it('keeps finished jobs for dedupe: completed for 24 hours, failed for 7 days', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const { queue } = await setup({ clock: () => now });
    const done = planJob('a', 1);
    const broken = planJob('a', 2);
    await queue.enqueue(done);
    await queue.enqueue(broken);
    queue.table.claim('w', now, now + HOUR);
    queue.table.complete(jobKey(done), 'w', now);
    queue.table.claim('w', now, now + HOUR);
    queue.table.fail(jobKey(broken), 'w', now, 'broken');

    now += 23 * HOUR;
    expect((await queue.enqueue(done)).created).toBe(false);
    expect((await queue.enqueue(broken)).created).toBe(false);
    now += 2 * HOUR;
    expect((await queue.enqueue(done)).created).toBe(true);
    expect((await queue.enqueue(broken)).created).toBe(false);
    now += 7 * 24 * HOUR;
    expect((await queue.enqueue(broken)).created).toBe(true);
  });

  it('drops finished jobs past retention when pruning', async () => {
    const { queue } = await setup();
    const now = Date.now();
    queue.table.insert(newJob(planJob('a')), now, retention);
    queue.table.claim('w', now, now + HOUR);
    queue.table.complete(jobKey(planJob('a')), 'w', now - 25 * HOUR);
    queue.table.insert(newJob(planJob('b')), now, retention);
    queue.table.prune(now, retention);
    expect(await queue.counts()).toMatchObject({ completed: 0, waiting: 1 });
  });

  it('counts a job waiting out its retry backoff as delayed', async () => {
    const { queue, start } = await setup();
    await start(async () => {
      throw new Error('flaky');
    });
    await queue.enqueue(planJob('a'));
    await until(async () => (await queue.counts()).delayed === 1);
    expect(await queue.counts()).toMatchObject({ waiting: 0, active: 0, delayed: 1 });
  });

  it('re-queues a job interrupted by shutdown even when its handler returns normally', async () => {
    const { queue, start } = await setup();
    const pool = await start(async (_job, ctx) => {
      await waitOrAbort(ctx.signal, 5_000);
    });
    await queue.enqueue(planJob('a'));
    await until(async () => (await queue.counts()).active === 1);
    await pool.close(50);
    expect(await queue.counts()).toMatchObject({ waiting: 1, active: 0, completed: 0 });
    const attempts: number[] = [];
    await start(async (_job, ctx) => {
      attempts.push(ctx.attempt);
    });
    await until(() => attempts.length === 1);
    expect(attempts).toEqual([1]);
  });

  it('does not retry a superseded job that throws', async () => {
    const { queue, start } = await setup();
    let runs = 0;
    await start(async (_job, ctx) => {
      runs++;
      await waitOrAbort(ctx.signal, 5_000);
      throw new Error(`stopped: ${String(ctx.signal.reason)}`);
    });
    await queue.enqueue(planJob('a'));
    await until(async () => (await queue.counts()).active === 1);
    await queue.supersede(PR_GROUP(1), planJob('b').headSha);
    await until(async () => (await queue.counts()).failed === 1);
    await sleep(100);
    expect(runs).toBe(1);
  });

  it('hears supersede requests from another connection (another process) and spares other job kinds', async () => {
    const { path, queue, start } = await setup();
    const outcomes = new Map<string, unknown>();
    await start(async (job, ctx) => {
      await waitOrAbort(ctx.signal, 1_500);
      outcomes.set(job.kind, ctx.signal.aborted ? ctx.signal.reason : 'finished');
    });
    const closed: ClosedJob = {
      kind: 'closed',
      pr: planJob('a').pr,
      merged: false,
      headSha: 'a'.repeat(40),
      deliveryId: 'd2',
    };
    await queue.enqueue(planJob('a'));
    await queue.enqueue(closed);
    await until(async () => (await queue.counts()).active === 2);
    const elsewhere = new EmbeddedJobQueue({ path });
    cleanup.push(() => elsewhere.close());
    await elsewhere.supersede(PR_GROUP(1), planJob('b').headSha);
    await until(() => outcomes.has('plan'), 1_000);
    expect(outcomes.get('plan')).toBe('superseded');
    await until(() => outcomes.has('closed'));
    expect(outcomes.get('closed')).toBe('finished');
  });
});
