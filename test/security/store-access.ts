import { join } from 'node:path';
import { EMBEDDED_DB_FILE } from '../../src/open-backend.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { PullState, Store } from '../../src/store/types.js';
import type { ForgeName, Harness } from '../support/harness.js';

/**
 * The store as an attacker with write access to Redis (or the database file) sees it: the backend
 * itself, without Sluice's seals. Also finds a PR's plan state without knowing how keys are built.
 */
export interface RawStore {
  store: Store;
  /** The key a PR's plan state is stored under. */
  pullKey(number: number): Promise<string>;
  pull(number: number): Promise<PullState>;
  close(): Promise<void>;
}

export function rawStore(h: Harness<ForgeName>): RawStore {
  const { settings } = h;
  const store: Store = settings.redisUrl
    ? new RedisStore({ url: settings.redisUrl, prefix: settings.redisPrefix })
    : new SqliteStore({ path: join(settings.dataDir, EMBEDDED_DB_FILE) });
  const pullKey = async (number: number) => {
    // Every PR of the harness is in the one repository: list its states through any one of them.
    const keys = await allPullKeys(store, settings);
    const key = keys.find((k) => k.endsWith(`/pr/${number}`));
    if (!key) throw new Error(`no plan state for PR ${number}`);
    return key;
  };
  return {
    store,
    pullKey,
    async pull(number) {
      const state = await store.pulls.get(await pullKey(number));
      if (!state) throw new Error(`no plan state for PR ${number}`);
      return state;
    },
    close: () => store.close(),
  };
}

async function allPullKeys(store: Store, settings: Harness<ForgeName>['settings']): Promise<string[]> {
  if (store instanceof RedisStore) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(settings.redisUrl ?? '');
    try {
      const prefix = `${settings.redisPrefix}:pull:`;
      return (await redis.keys(`${prefix}*`)).map((k) => k.slice(prefix.length));
    } finally {
      redis.disconnect();
    }
  }
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(settings.dataDir, EMBEDDED_DB_FILE), { readonly: true });
  try {
    return db
      .prepare<[], { pr_key: string }>('SELECT pr_key FROM pull_states')
      .all()
      .map((r) => r.pr_key);
  } finally {
    db.close();
  }
}
