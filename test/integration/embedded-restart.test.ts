import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteLockManager } from '../../src/locks/sqlite/sqlite-locks.js';
import type { AcquireResult } from '../../src/locks/types.js';
import { createLogger } from '../../src/logger.js';
import { EmbeddedJobQueue } from '../../src/queue/embedded/embedded-queue.js';
import { startEmbeddedWorkers } from '../../src/queue/embedded/embedded-workers.js';
import { jobKey } from '../../src/queue/jobs.js';
import type { EnqueueResult } from '../../src/queue/types.js';
import { planJob, sleep, until } from '../contract/fixtures.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CHILD = join(ROOT, 'test/support/embedded-child.ts');
const logger = createLogger({ level: 'silent' });

interface Child {
  process: ChildProcess;
  lines: Array<Record<string, unknown>>;
  waitFor(key: string, ms?: number): Promise<Record<string, unknown>>;
  exited: Promise<unknown>;
}

/**
 * Spawns the child as one node process (`node --import tsx`), not through npx: a SIGKILL must hit the
 * process that runs the jobs, not a launcher that would leave it running.
 */
function spawnChild(args: string[]): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    lines.push(JSON.parse(line));
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    process: child,
    lines,
    exited,
    async waitFor(key, ms = 20_000) {
      await until(() => lines.some((l) => key in l) || child.exitCode !== null, ms);
      const line = lines.find((l) => key in l);
      if (!line) throw new Error(`child exited (${child.exitCode}) before printing ${key}`);
      return line;
    },
  };
}

describe('embedded backend across processes', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const tempDb = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sluice-restart-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    return join(dir, 'sluice.db');
  };
  const track = (child: Child) => {
    cleanup.push(async () => {
      if (child.process.exitCode === null && child.process.signalCode === null) {
        child.process.kill('SIGKILL');
        await child.exited;
      }
    });
    return child;
  };

  it('after a SIGKILL, runs the queued jobs, re-runs the interrupted one once its lease ends, keeps locks', async () => {
    const path = await tempDb();
    const leaseMs = 1_500;
    const child = track(spawnChild(['crash', path, String(leaseMs)]));
    const running = await child.waitFor('running');
    expect(running).toEqual({ running: jobKey(planJob('a', 1)), attempt: 1 });
    const taken = ((await child.waitFor('lock')) as { lock: AcquireResult }).lock;
    if (!taken.ok) throw new Error('the child did not get the lock');
    const enqueued = child.lines.filter((l) => 'enqueued' in l).map((l) => l.enqueued as EnqueueResult);
    expect(enqueued.map((e) => e.created)).toEqual([true, true, true]);

    child.process.kill('SIGKILL');
    await child.exited;
    const killedAt = Date.now();

    const queue = new EmbeddedJobQueue({ path });
    const locks = new SqliteLockManager({ path });
    const runs: Array<{ id: string; attempt: number; at: number }> = [];
    const pool = await startEmbeddedWorkers({
      queue,
      concurrency: 3,
      logger,
      pollMs: 50,
      handler: async (_job, ctx) => {
        runs.push({ id: ctx.id, attempt: ctx.attempt, at: Date.now() });
      },
    });
    cleanup.push(async () => {
      await pool.close(1_000);
      await queue.close();
      await locks.close();
    });

    await until(async () => (await queue.counts()).completed === 3, 15_000);
    const byId = new Map(runs.map((r) => [r.id, r]));
    expect(runs).toHaveLength(3);
    expect(byId.get(jobKey(planJob('b', 2)))?.attempt).toBe(1);
    expect(byId.get(jobKey(planJob('c', 3)))?.attempt).toBe(1);
    const rerun = byId.get(jobKey(planJob('a', 1)));
    // The interrupted run counted as an attempt, and nobody took the job while its lease could still be live.
    expect(rerun?.attempt).toBe(2);
    expect((rerun?.at ?? 0) - killedAt).toBeGreaterThan(leaseMs / 3);
    await sleep(300);
    expect(runs).toHaveLength(3);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 3, failed: 0 });
    // Re-enqueueing what already ran is still a duplicate after the restart.
    expect((await queue.enqueue(planJob('a', 1))).created).toBe(false);

    // The lock outlived the process that took it, fence and all.
    expect(await locks.get(taken.lock.key)).toEqual(taken.lock);
    const { key, acquiredAt: _at, fence: _fence, ...holder } = taken.lock;
    expect(await locks.acquire(key, { ...holder, prKey: 'github/1/pr/2', prNumber: 2 })).toEqual({
      ok: false,
      heldBy: taken.lock,
    });
  });

  it('two processes working one database never run a job twice', async () => {
    const path = await tempDb();
    const queue = new EmbeddedJobQueue({ path });
    const child = track(spawnChild(['work', path]));
    await child.waitFor('ready');
    const ran: string[] = [];
    const pool = await startEmbeddedWorkers({
      queue,
      concurrency: 2,
      logger,
      pollMs: 20,
      handler: async (_job, ctx) => {
        ran.push(ctx.id);
        await sleep(30);
      },
    });
    cleanup.push(async () => {
      await pool.close(1_000);
      await queue.close();
    });
    const ids: string[] = [];
    for (let i = 1; i <= 40; i++) ids.push((await queue.enqueue(planJob('e', i))).id);
    await until(async () => (await queue.counts()).completed === 40, 30_000);
    child.process.kill('SIGTERM');
    await child.waitFor('closed');
    await child.exited;

    const childRan = child.lines.filter((l) => 'ran' in l).map((l) => l.ran as string);
    expect(childRan.length).toBeGreaterThan(0);
    expect(ran.length).toBeGreaterThan(0);
    expect([...ran, ...childRan].sort()).toEqual([...ids].sort());
  });

  it('gives one key to exactly one of 50 clients spread over 5 processes', async () => {
    const path = await tempDb();
    // Create the tables before the race, so the race is about the lock only.
    await new SqliteLockManager({ path }).close();
    const children = Array.from({ length: 5 }, (_, i) => track(spawnChild(['contend', path, '10', `p${i}`])));
    await Promise.all(children.map((c) => c.waitFor('ready')));
    for (const c of children) c.process.stdin?.write('go\n');
    const won = (await Promise.all(children.map((c) => c.waitFor('won')))).flatMap((l) => l.won as string[]);
    expect(won).toHaveLength(1);
    const locks = new SqliteLockManager({ path });
    cleanup.push(() => locks.close());
    expect(await locks.get('contended')).toMatchObject({ prKey: won[0], fence: 1 });
  });
});
