import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisLockManager } from '../../src/locks/redis/redis-locks.js';
import { SqliteLockManager } from '../../src/locks/sqlite/sqlite-locks.js';
import type { LockManager } from '../../src/locks/types.js';
import { createLogger } from '../../src/logger.js';
import { BullmqJobQueue } from '../../src/queue/bullmq/bullmq-queue.js';
import { startBullmqWorkers } from '../../src/queue/bullmq/bullmq-workers.js';
import { EmbeddedJobQueue } from '../../src/queue/embedded/embedded-queue.js';
import { startEmbeddedWorkers } from '../../src/queue/embedded/embedded-workers.js';
import type { JobHandler, JobQueue, WorkerPool } from '../../src/queue/types.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/types.js';

/**
 * One instance of a backend for one test: a fresh Redis key prefix, or a fresh SQLite file.
 * `client()` opens another independent connection to the same data, as a second process would.
 */
export interface Opened<T> {
  client(): T;
  close(): Promise<void>;
}

export interface QueueUnderTest {
  queue: JobQueue;
  startWorkers(handler: JobHandler, concurrency?: number): Promise<WorkerPool>;
  close(): Promise<void>;
}

export interface Backend {
  name: string;
  queue(): Promise<QueueUnderTest>;
  locks(): Promise<Opened<LockManager>>;
  store(): Promise<Opened<Store>>;
}

const logger = createLogger({ level: 'silent' });

/** Closes everything a test opened, newest first. */
function closer<T>(make: () => T, close: (item: T) => Promise<void>, after = async () => {}) {
  const opened: T[] = [];
  return {
    client: () => {
      const item = make();
      opened.push(item);
      return item;
    },
    close: async () => {
      for (const item of opened.splice(0).reverse()) await close(item);
      await after();
    },
  };
}

export function redisBackend(url: string): Backend {
  return {
    name: 'redis',
    async queue() {
      const prefix = `t-${randomUUID()}`;
      const connection = new Redis(url, { maxRetriesPerRequest: null });
      const queue = new BullmqJobQueue({ connection, prefix });
      return {
        queue,
        startWorkers: (handler, concurrency = 2) =>
          startBullmqWorkers({ redisUrl: url, prefix, concurrency, handler, logger }),
        close: async () => {
          await queue.close();
          connection.disconnect();
        },
      };
    },
    async locks() {
      const prefix = `t-${randomUUID()}`;
      return closer(
        () => new RedisLockManager({ url, prefix }),
        (locks) => locks.close(),
      );
    },
    async store() {
      const prefix = `t-${randomUUID()}`;
      return closer(
        () => new RedisStore({ url, prefix }),
        (store) => store.close(),
      );
    },
  };
}

async function tempDb(): Promise<{ path: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-sqlite-'));
  return { path: join(dir, 'sluice.db'), remove: () => rm(dir, { recursive: true, force: true }) };
}

export function embeddedBackend(): Backend {
  return {
    name: 'embedded',
    async queue() {
      const { path, remove } = await tempDb();
      const queue = new EmbeddedJobQueue({ path });
      return {
        queue,
        startWorkers: (handler, concurrency = 2) =>
          startEmbeddedWorkers({ queue, concurrency, handler, logger }),
        close: async () => {
          await queue.close();
          await remove();
        },
      };
    },
    async locks() {
      const { path, remove } = await tempDb();
      return closer(
        () => new SqliteLockManager({ path }),
        (locks) => locks.close(),
        remove,
      );
    },
    async store() {
      const { path, remove } = await tempDb();
      return closer(
        () => new SqliteStore({ path }),
        (store) => store.close(),
        remove,
      );
    },
  };
}
