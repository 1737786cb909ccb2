import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { holderJson, toLock } from '../lock-record.js';
import type { AcquireResult, Lock, LockHolder, LockManager } from '../types.js';

const lua = (name: string) => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

type Fields = [holder: string, acquiredAt: string, fence: string];

type ScriptedRedis = Redis & {
  sluiceAcquireLock(
    lock: string,
    held: string,
    fence: string,
    index: string,
    key: string,
    prKey: string,
    holder: string,
    now: string,
  ): Promise<[number, ...Fields]>;
  sluiceReleaseLock(lock: string, held: string, index: string, key: string, prKey: string): Promise<number>;
  sluiceReleaseAllLocks(held: string, index: string, prKey: string, lockPrefix: string): Promise<string[]>;
};

export type RedisLockManagerOptions = {
  prefix: string;
  clock?: () => Date;
} & ({ url: string } | { connection: Redis });

/**
 * Workspace locks in Redis. Per lock a hash (prKey, holder JSON, acquiredAt, fence); per PR a set of the
 * keys it holds; per key a fence counter that is never deleted, so fences keep rising across release and
 * acquire; one index set of every held key. Every change that touches more than one key is a Lua script.
 */
export class RedisLockManager implements LockManager {
  readonly #redis: ScriptedRedis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #clock: () => Date;

  constructor(options: RedisLockManagerOptions) {
    const redis =
      'connection' in options ? options.connection : new Redis(options.url, { maxRetriesPerRequest: 3 });
    redis.defineCommand('sluiceAcquireLock', { numberOfKeys: 4, lua: lua('acquire-lock') });
    redis.defineCommand('sluiceReleaseLock', { numberOfKeys: 3, lua: lua('release-lock') });
    redis.defineCommand('sluiceReleaseAllLocks', { numberOfKeys: 2, lua: lua('release-all-locks') });
    this.#redis = redis as ScriptedRedis;
    this.#owned = !('connection' in options);
    this.#prefix = options.prefix;
    this.#clock = options.clock ?? (() => new Date());
  }

  #lock(key: string): string {
    return `${this.#prefix}:lock:${key}`;
  }

  #held(prKey: string): string {
    return `${this.#prefix}:lock-held:${prKey}`;
  }

  #fence(key: string): string {
    return `${this.#prefix}:lock-fence:${key}`;
  }

  get #index(): string {
    return `${this.#prefix}:locks`;
  }

  async acquire(key: string, holder: LockHolder): Promise<AcquireResult> {
    const [ok, ...fields] = await this.#redis.sluiceAcquireLock(
      this.#lock(key),
      this.#held(holder.prKey),
      this.#fence(key),
      this.#index,
      key,
      holder.prKey,
      holderJson(holder),
      this.#clock().toISOString(),
    );
    const lock = toLock(key, ...fields);
    return ok === 1 ? { ok: true, lock } : { ok: false, heldBy: lock };
  }

  async release(key: string, prKey: string): Promise<boolean> {
    return (
      (await this.#redis.sluiceReleaseLock(this.#lock(key), this.#held(prKey), this.#index, key, prKey)) === 1
    );
  }

  async releaseAll(prKey: string): Promise<Lock[]> {
    const flat = await this.#redis.sluiceReleaseAllLocks(
      this.#held(prKey),
      this.#index,
      prKey,
      this.#lock(''),
    );
    const locks: Lock[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      locks.push(toLock(flat[i] as string, ...(flat.slice(i + 1, i + 4) as Fields)));
    }
    return locks.sort(byKey);
  }

  async get(key: string): Promise<Lock | undefined> {
    return (await this.#read([key]))[0];
  }

  async held(prKey: string): Promise<Lock[]> {
    const locks = await this.#read(await this.#redis.smembers(this.#held(prKey)));
    return locks.filter((lock) => lock.prKey === prKey);
  }

  async list(): Promise<Lock[]> {
    return this.#read(await this.#redis.smembers(this.#index));
  }

  async checkFence(key: string, prKey: string, fence: number): Promise<boolean> {
    const [holder, current] = await this.#redis.hmget(this.#lock(key), 'prKey', 'fence');
    return holder === prKey && current !== null && Number(current) === fence;
  }

  /** Closes the connection when this manager opened it. */
  async close(): Promise<void> {
    if (this.#owned) await this.#redis.quit();
  }

  async #read(keys: string[]): Promise<Lock[]> {
    if (keys.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const key of keys) pipeline.hmget(this.#lock(key), 'prKey', 'holder', 'acquiredAt', 'fence');
    const replies = (await pipeline.exec()) ?? [];
    const locks: Lock[] = [];
    replies.forEach(([error, value], i) => {
      if (error) throw error;
      const [prKey, ...fields] = value as Array<string | null>;
      if (prKey && fields.every((f) => f !== null))
        locks.push(toLock(keys[i] as string, ...(fields as Fields)));
    });
    return locks.sort(byKey);
  }
}

const byKey = (a: Lock, b: Lock) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
