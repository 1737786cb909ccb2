import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Settings } from './config/env.js';
import { RedisLockManager } from './locks/redis/redis-locks.js';
import { SqliteLockManager } from './locks/sqlite/sqlite-locks.js';
import type { LockManager } from './locks/types.js';
import type { Logger } from './logger.js';
import { BullmqJobQueue } from './queue/bullmq/bullmq-queue.js';
import { startBullmqWorkers } from './queue/bullmq/bullmq-workers.js';
import { EmbeddedJobQueue } from './queue/embedded/embedded-queue.js';
import { startEmbeddedWorkers } from './queue/embedded/embedded-workers.js';
import type { JobHandler, JobQueue, WorkerPool } from './queue/types.js';
import { RedisStore } from './store/redis/redis-store.js';
import { SqliteStore } from './store/sqlite/sqlite-store.js';
import type { Store } from './store/types.js';

/** Where queue, locks and store live: Redis when REDIS_URL is set, else one SQLite file in the data dir. */
export interface Backend {
  name: 'redis' | 'embedded';
  /** Why this backend runs, for the startup log. */
  reason: string;
  store: Store;
  queue: JobQueue;
  locks: LockManager;
  startWorkers(options: { concurrency: number; handler: JobHandler; logger: Logger }): Promise<WorkerPool>;
  /** Resolves when the backend answers (readiness). */
  ping(): Promise<void>;
  /** Closes queue, locks and store; close worker pools first. */
  close(): Promise<void>;
}

export const EMBEDDED_DB_FILE = 'sluice.db';

export function openBackend(
  settings: Pick<Settings, 'redisUrl' | 'redisPrefix' | 'dataDir' | 'jobLeaseMs'>,
): Backend {
  return settings.redisUrl
    ? openRedisBackend(settings.redisUrl, settings.redisPrefix, settings.jobLeaseMs)
    : openEmbeddedBackend(settings.dataDir, settings.jobLeaseMs);
}

function openRedisBackend(url: string, prefix: string, leaseMs: number): Backend {
  const store = new RedisStore({ url, prefix });
  const locks = new RedisLockManager({ url, prefix });
  const queueConnection = new Redis(url, { maxRetriesPerRequest: null });
  const queue = new BullmqJobQueue({ connection: queueConnection, prefix });
  return {
    name: 'redis',
    reason: 'REDIS_URL is set: queue, locks and store in Redis',
    store,
    queue,
    locks,
    startWorkers: (options) => startBullmqWorkers({ ...options, redisUrl: url, prefix, leaseMs }),
    ping: () => store.ping(),
    async close() {
      await queue.close();
      queueConnection.disconnect();
      await locks.close();
      await store.close();
    },
  };
}

function openEmbeddedBackend(dataDir: string, leaseMs: number): Backend {
  const path = join(dataDir, EMBEDDED_DB_FILE);
  const store = new SqliteStore({ path });
  const locks = new SqliteLockManager({ path });
  const queue = new EmbeddedJobQueue({ path });
  return {
    name: 'embedded',
    reason: `REDIS_URL is not set: embedded SQLite in ${path}`,
    store,
    queue,
    locks,
    startWorkers: (options) => startEmbeddedWorkers({ ...options, queue, leaseMs }),
    ping: () => store.ping(),
    async close() {
      await queue.close();
      await locks.close();
      await store.close();
    },
  };
}
