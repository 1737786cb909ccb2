import { afterEach, describe, expect, inject, it } from 'vitest';
import { SluiceError } from '../../src/errors.js';
import type { Job } from '../../src/queue/jobs.js';
import type { JobContext } from '../../src/queue/types.js';
import { embeddedBackend, type QueueUnderTest, redisBackend } from './backends.js';
import { PR_GROUP, planJob, sleep, until, waitOrAbort } from './fixtures.js';

const backends = [redisBackend(inject('redisUrl')), embeddedBackend()];

describe.each(backends)('JobQueue + WorkerPool contract: $name', (backend) => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  const open = async (): Promise<QueueUnderTest> => {
    const opened = await backend.queue();
    cleanup.push(() => opened.close());
    return opened;
  };
  const start = async (
    opened: QueueUnderTest,
    handler: (job: Job, ctx: JobContext) => Promise<void>,
    n = 2,
  ) => {
    const pool = await opened.startWorkers(handler, n);
    cleanup.push(() => pool.close(1_000));
    return pool;
  };
  const sha = (job: Job) => (job.kind === 'plan' ? job.headSha : job.kind);
  const prNumber = (job: Job) => ('pr' in job ? job.pr.number : 0);

  it('runs a job once however often the same change is enqueued, even after it completed', async () => {
    const opened = await open();
    const seen: string[] = [];
    await start(opened, async (job) => {
      seen.push(sha(job));
    });
    const results = await Promise.all([1, 2, 3].map(() => opened.queue.enqueue(planJob('a'))));
    expect(new Set(results.map((r) => r.id)).size).toBe(1);
    expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
    await until(async () => (await opened.queue.counts()).completed === 1);
    await sleep(300);
    expect(seen).toEqual([planJob('a').headSha]);
    expect(await opened.queue.enqueue(planJob('a'))).toEqual({ id: results[0]?.id, created: false });
    // Another head of the same PR is another job.
    expect((await opened.queue.enqueue(planJob('b'))).created).toBe(true);
  });

  it('refuses at enqueue a job that does not match its schema, naming the field; nothing is queued', async () => {
    const opened = await open();
    const bad = [
      { ...planJob('a'), headSha: 'not-a-sha' },
      { ...planJob('a'), pr: { ...planJob('a').pr, number: -1 } },
      { ...planJob('a'), trigger: 'whenever' },
      { kind: 'closed', pr: planJob('a').pr, merged: 'yes', headSha: 'a'.repeat(40), deliveryId: 'd' },
    ] as unknown as Job[];
    const refusals = await Promise.all(bad.map((job) => opened.queue.enqueue(job).catch((e: unknown) => e)));
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(SluiceError);
      expect((refusal as SluiceError).code).toBe('JOB_INVALID');
    }
    expect((refusals[0] as Error).message).toMatch(/headSha: /);
    expect((refusals[1] as Error).message).toMatch(/pr\.number: /);
    expect((refusals[3] as Error).message).toMatch(/merged: /);
    expect((await opened.queue.counts()).waiting).toBe(0);
  });

  it('counts waiting jobs while no worker runs', async () => {
    const opened = await open();
    await opened.queue.enqueue(planJob('a', 1));
    await opened.queue.enqueue(planJob('a', 2));
    expect(await opened.queue.counts()).toEqual({
      waiting: 2,
      active: 0,
      delayed: 0,
      completed: 0,
      failed: 0,
    });
  });

  it('cancels a running job when a newer head supersedes it, and leaves other PRs alone', async () => {
    const opened = await open();
    const outcomes = new Map<string, string>();
    await start(
      opened,
      async (job, ctx) => {
        const key = `${prNumber(job)}/${sha(job)[0]}`;
        outcomes.set(key, 'running');
        await waitOrAbort(ctx.signal, 3_000);
        outcomes.set(key, ctx.signal.aborted ? `aborted:${String(ctx.signal.reason)}` : 'finished');
      },
      3,
    );
    await opened.queue.enqueue(planJob('a', 1));
    await opened.queue.enqueue(planJob('a', 2));
    await until(() => outcomes.get('1/a') === 'running' && outcomes.get('2/a') === 'running');
    await opened.queue.enqueue(planJob('b', 1));
    await opened.queue.supersede(PR_GROUP(1), planJob('b', 1).headSha);
    await until(() => outcomes.get('1/a')?.startsWith('aborted') ?? false, 2_000);
    expect(outcomes.get('1/a')).toBe('aborted:superseded');
    await until(() => outcomes.get('2/a') === 'finished' && outcomes.get('1/b') === 'finished');
  });

  it('retries retryable errors with backoff, gives up after 3 attempts, never retries non-retryable ones', async () => {
    const opened = await open();
    const attempts = new Map<number, Array<[number, boolean]>>();
    await start(
      opened,
      async (job, ctx) => {
        const list = attempts.get(prNumber(job)) ?? [];
        list.push([ctx.attempt, ctx.lastAttempt]);
        attempts.set(prNumber(job), list);
        if (prNumber(job) === 1 && ctx.attempt < 3) throw new Error('flaky network');
        if (prNumber(job) === 2) throw new SluiceError('JOB_INVALID', 'this job can never work');
        if (prNumber(job) === 3) throw new SluiceError('FORGE_REQUEST_FAILED', 'forge is down');
      },
      3,
    );
    const started = Date.now();
    for (const n of [1, 2, 3]) await opened.queue.enqueue(planJob('a', n));
    await until(async () => {
      const c = await opened.queue.counts();
      return c.completed === 1 && c.failed === 2;
    }, 30_000);
    // Backoff: 2 s after the first failure, 4 s after the second.
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_500);
    expect(attempts.get(1)).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
    expect(attempts.get(2)).toEqual([[1, false]]);
    expect(attempts.get(3)).toEqual([
      [1, false],
      [2, false],
      [3, true],
    ]);
  });

  it('lets running jobs finish within the grace period on close', async () => {
    const opened = await open();
    let finished = 0;
    const pool = await opened.startWorkers(async (_job, ctx) => {
      await waitOrAbort(ctx.signal, 400);
      if (!ctx.signal.aborted) finished++;
    }, 2);
    await opened.queue.enqueue(planJob('a'));
    await until(async () => (await opened.queue.counts()).active === 1);
    await pool.close(10_000);
    expect(finished).toBe(1);
    expect(await opened.queue.counts()).toMatchObject({ waiting: 0, active: 0, completed: 1, failed: 0 });
  });

  it('re-queues a job interrupted by shutdown without spending an attempt; another pool finishes it', async () => {
    const opened = await open();
    const starts: number[] = [];
    const finished: string[] = [];
    const handler = async (job: Job, ctx: JobContext) => {
      starts.push(ctx.attempt);
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, 1_500);
        ctx.signal.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('interrupted'));
        });
      });
      finished.push(sha(job));
    };
    const first = await opened.startWorkers(handler, 1);
    await opened.queue.enqueue(planJob('c'));
    await until(() => starts.length === 1);
    await first.close(100);
    expect(finished).toEqual([]);
    expect(await opened.queue.counts()).toMatchObject({ active: 0, failed: 0 });
    await start(opened, handler, 1);
    await until(() => finished.length === 1);
    expect(starts).toEqual([1, 1]);
    expect((await opened.queue.counts()).failed).toBe(0);
  });
});
