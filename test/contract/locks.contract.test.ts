import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { LockHolder, LockManager } from '../../src/locks/types.js';
import { embeddedBackend, type Opened, redisBackend } from './backends.js';

const backends = [redisBackend(inject('redisUrl')), embeddedBackend()];

const holder = (pr: number, headSha = 'a'.repeat(40)): LockHolder => ({
  prKey: `github/1/pr/${pr}`,
  prNumber: pr,
  prUrl: `https://github.com/acme/infra/pull/${pr}`,
  author: `dev${pr}`,
  headSha,
  project: 'prod',
  dir: 'envs/prod',
  workspace: 'default',
});
const KEY = 'github/1/envs%2Fprod/default/prod';

describe.each(backends)('LockManager contract: $name', (backend) => {
  let opened: Opened<LockManager>;
  beforeEach(async () => {
    opened = await backend.locks();
  });
  afterEach(() => opened.close());
  /** Another independent connection to the same data. */
  const client = () => opened.client();

  it('takes a free lock with the holder, the time and a fence', async () => {
    const locks = client();
    const before = Date.now();
    const result = await locks.acquire(KEY, holder(1));
    expect(result).toEqual({
      ok: true,
      lock: { ...holder(1), key: KEY, acquiredAt: expect.any(String), fence: 1 },
    });
    const acquiredAt = result.ok ? Date.parse(result.lock.acquiredAt) : 0;
    expect(acquiredAt).toBeGreaterThanOrEqual(before - 1_000);
    expect(await locks.get(KEY)).toEqual(result.ok && result.lock);
    expect(await locks.get('other')).toBeUndefined();
  });

  it('refuses a lock another PR holds and says who holds it', async () => {
    const locks = client();
    await locks.acquire(KEY, holder(1));
    const result = await locks.acquire(KEY, holder(2));
    expect(result).toEqual({
      ok: false,
      heldBy: expect.objectContaining({ ...holder(1), key: KEY, fence: 1 }),
    });
    expect((await locks.get(KEY))?.prKey).toBe(holder(1).prKey);
  });

  it('is re-entrant for the holding PR: same fence and time, the new head recorded', async () => {
    const locks = client();
    const first = await locks.acquire(KEY, holder(1));
    const again = await locks.acquire(KEY, holder(1, 'b'.repeat(40)));
    expect(first.ok && again.ok).toBe(true);
    if (!first.ok || !again.ok) return;
    expect(again.lock.fence).toBe(first.lock.fence);
    expect(again.lock.acquiredAt).toBe(first.lock.acquiredAt);
    expect(again.lock.headSha).toBe('b'.repeat(40));
    expect(await locks.get(KEY)).toEqual(again.lock);
    expect(await locks.held(holder(1).prKey)).toEqual([again.lock]);
  });

  it('raises the fence every time the key changes hands, across release and acquire', async () => {
    const locks = client();
    const fences: number[] = [];
    for (const pr of [1, 2, 1, 3]) {
      const result = await locks.acquire(KEY, holder(pr));
      if (!result.ok) throw new Error('expected the lock');
      fences.push(result.lock.fence);
      expect(await locks.release(KEY, holder(pr + 10).prKey)).toBe(false);
      expect(await locks.release(KEY, holder(pr).prKey)).toBe(true);
      expect(await locks.release(KEY, holder(pr).prKey)).toBe(false);
    }
    expect(fences).toEqual([1, 2, 3, 4]);
    // releaseAll also leaves the counter alone.
    await locks.acquire(KEY, holder(5));
    await locks.releaseAll(holder(5).prKey);
    const last = await locks.acquire(KEY, holder(6));
    expect(last.ok && last.lock.fence).toBe(6);
  });

  it('checks a fence: only the holder with exactly that fence passes', async () => {
    const locks = client();
    const first = await locks.acquire(KEY, holder(1));
    const fence = first.ok ? first.lock.fence : -1;
    expect(await locks.checkFence(KEY, holder(1).prKey, fence)).toBe(true);
    expect(await locks.checkFence(KEY, holder(1).prKey, fence + 1)).toBe(false);
    expect(await locks.checkFence(KEY, holder(2).prKey, fence)).toBe(false);
    expect(await locks.checkFence('missing', holder(1).prKey, fence)).toBe(false);
    await locks.release(KEY, holder(1).prKey);
    expect(await locks.checkFence(KEY, holder(1).prKey, fence)).toBe(false);
    // The same PR taking it again gets a new fence: an apply that captured the old one must stop.
    const second = await locks.acquire(KEY, holder(1));
    expect(second.ok && second.lock.fence).toBe(fence + 1);
    expect(await locks.checkFence(KEY, holder(1).prKey, fence)).toBe(false);
  });

  it('releases every lock of one PR at once, and only those', async () => {
    const locks = client();
    for (const key of ['k1', 'k2', 'k3']) await locks.acquire(key, holder(1));
    await locks.acquire('k4', holder(2));
    expect((await locks.acquire('k3', holder(2))).ok).toBe(false);
    const released = await locks.releaseAll(holder(1).prKey);
    expect(released.map((l) => [l.key, l.prKey])).toEqual([
      ['k1', holder(1).prKey],
      ['k2', holder(1).prKey],
      ['k3', holder(1).prKey],
    ]);
    expect(await locks.held(holder(1).prKey)).toEqual([]);
    expect((await locks.list()).map((l) => l.key)).toEqual(['k4']);
    expect(await locks.releaseAll(holder(1).prKey)).toEqual([]);
    expect((await locks.acquire('k3', holder(2))).ok).toBe(true);
    expect((await locks.held(holder(2).prKey)).map((l) => l.key)).toEqual(['k3', 'k4']);
  });

  it('lists every lock and the locks of one PR', async () => {
    const locks = client();
    expect(await locks.list()).toEqual([]);
    await locks.acquire('b', holder(1));
    await locks.acquire('a', holder(2));
    await locks.acquire('c', holder(1));
    expect((await locks.list()).map((l) => `${l.key}:${l.prNumber}:${l.fence}`)).toEqual([
      'a:2:1',
      'b:1:1',
      'c:1:1',
    ]);
    expect((await locks.held(holder(1).prKey)).map((l) => l.key)).toEqual(['b', 'c']);
    expect(await locks.held('github/1/pr/99')).toEqual([]);
  });

  it('gives a contended key to exactly one of 50 independent clients', async () => {
    const clients = Array.from({ length: 50 }, () => client());
    const results = await Promise.all(clients.map((locks, i) => locks.acquire('contended', holder(100 + i))));
    const winners = results.filter((r) => r.ok);
    expect(winners).toHaveLength(1);
    const winner = winners[0]?.ok ? winners[0].lock : undefined;
    expect(winner?.fence).toBe(1);
    for (const r of results) if (!r.ok) expect(r.heldBy.prKey).toBe(winner?.prKey);
    expect((await clients[0]?.get('contended'))?.prKey).toBe(winner?.prKey);
  });
});
