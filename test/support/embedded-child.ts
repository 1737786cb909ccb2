/**
 * A second process on an embedded database, for test/integration/embedded-restart.test.ts.
 * Run as `node --import tsx test/support/embedded-child.ts <mode> <db> [...]`; prints one JSON object
 * per line on stdout.
 *   crash <db> <leaseMs>     takes a lock, queues three jobs, runs the first forever; waits to be killed
 *   work <db>                runs jobs (printing each) until SIGTERM, then closes gracefully
 *   contend <db> <n> <tag>   opens n independent lock clients; on "go" (stdin) each tries to take one key
 */
import { SqliteLockManager } from '../../src/locks/sqlite/sqlite-locks.js';
import type { LockHolder } from '../../src/locks/types.js';
import { createLogger } from '../../src/logger.js';
import { EmbeddedJobQueue } from '../../src/queue/embedded/embedded-queue.js';
import { startEmbeddedWorkers } from '../../src/queue/embedded/embedded-workers.js';
import { planJob } from '../contract/fixtures.js';

const LOCK_KEY = 'github/1/envs%2Fprod/default/prod';

const lockHolder = (tag: string): LockHolder => ({
  prKey: `github/1/pr/${tag}`,
  prNumber: 1,
  prUrl: 'https://github.com/acme/infra/pull/1',
  author: tag,
  headSha: 'a'.repeat(40),
  project: 'prod',
  dir: 'envs/prod',
  workspace: 'default',
});

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value)}\n`);
const logger = createLogger({ level: 'silent' });

async function crash(path: string, leaseMs: number): Promise<void> {
  const locks = new SqliteLockManager({ path });
  print({ lock: await locks.acquire(LOCK_KEY, lockHolder('crash')) });
  const queue = new EmbeddedJobQueue({ path });
  for (const [sha, pr] of [
    ['a', 1],
    ['b', 2],
    ['c', 3],
  ] as const) {
    print({ enqueued: await queue.enqueue(planJob(sha, pr)) });
  }
  await startEmbeddedWorkers({
    queue,
    concurrency: 1,
    logger,
    leaseMs,
    pollMs: 50,
    handler: async (_job, context) => {
      print({ running: context.id, attempt: context.attempt });
      await new Promise(() => {});
    },
  });
}

async function work(path: string): Promise<void> {
  const queue = new EmbeddedJobQueue({ path });
  const pool = await startEmbeddedWorkers({
    queue,
    concurrency: 2,
    logger,
    pollMs: 20,
    handler: async (_job, context) => {
      print({ ran: context.id });
      await new Promise((r) => setTimeout(r, 30));
    },
  });
  process.once('SIGTERM', () => {
    void pool.close(5_000).then(async () => {
      await queue.close();
      print({ closed: true });
      process.exit(0);
    });
  });
  print({ ready: true });
}

async function contend(path: string, n: number, tag: string): Promise<void> {
  const clients = Array.from({ length: n }, () => new SqliteLockManager({ path }));
  print({ ready: true });
  await new Promise((resolve) => process.stdin.once('data', resolve));
  const results = await Promise.all(
    clients.map((locks, i) => locks.acquire('contended', lockHolder(`${tag}-${i}`))),
  );
  print({ won: results.filter((r) => r.ok).map((r) => (r.ok ? r.lock.prKey : '')) });
  for (const locks of clients) await locks.close();
  process.exit(0);
}

const [mode, path, ...rest] = process.argv.slice(2);
if (!path) throw new Error('usage: embedded-child.ts <crash|work|contend> <db> [...]');
if (mode === 'crash') await crash(path, Number(rest[0]));
else if (mode === 'work') await work(path);
else if (mode === 'contend') await contend(path, Number(rest[0]), rest[1] ?? 'c');
else throw new Error(`unknown mode ${mode}`);
