import type { TestProject } from 'vitest/node';
import { type RedisServer, startRedisServer } from './redis-server.js';

let redis: RedisServer | undefined;

/** One real redis-server for the whole run; each test file uses its own key prefix. */
export async function setup(project: TestProject): Promise<void> {
  redis = await startRedisServer();
  project.provide('redisUrl', redis.url);
}

export async function teardown(): Promise<void> {
  await redis?.destroy();
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
