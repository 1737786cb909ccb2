import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RedisStore } from '../../../src/store/redis/redis-store.js';

describe('RedisStore (real redis-server)', () => {
  const store = new RedisStore({ url: inject('redisUrl'), prefix: `t-${randomUUID()}` });
  afterAll(() => store.close());

  it('claims a delivery once, and again after release', async () => {
    expect(await store.deliveries.claim('github', 'd1')).toBe(true);
    expect(await store.deliveries.claim('github', 'd1')).toBe(false);
    expect(await store.deliveries.claim('gitlab', 'd1')).toBe(true);
    await store.deliveries.release('github', 'd1');
    expect(await store.deliveries.claim('github', 'd1')).toBe(true);
  });

  it('moves a head forward, never back to an older delivery', async () => {
    const key = 'github/1/pr/1';
    expect(await store.heads.advance(key, { sha: 'b', updatedAt: '2026-01-01T10:00:05Z' })).toBe(true);
    expect(await store.heads.advance(key, { sha: 'a', updatedAt: '2026-01-01T10:00:01Z' })).toBe(false);
    expect(await store.heads.latest(key)).toEqual({ sha: 'b', updatedAt: '2026-01-01T10:00:05Z' });
    // Fractions of a second compare by time, not as text ('.' sorts before 'Z').
    expect(await store.heads.advance(key, { sha: 'b2', updatedAt: '2026-01-01T10:00:05.500Z' })).toBe(true);
    expect(await store.heads.advance(key, { sha: 'c', updatedAt: '2026-01-01T10:00:09Z' })).toBe(true);
    expect((await store.heads.latest(key))?.sha).toBe('c');
  });

  it('keeps plan files byte for byte', async () => {
    const planFile = Buffer.from([0, 1, 2, 255, 254, 80, 75, 3, 4]);
    await store.plans.put('k', {
      planFile,
      planJson: '{"format_version":"1.2"}',
      planText: 'Plan: 1 to add',
      createdAt: '2026-01-01T00:00:00Z',
      tool: { name: 'tofu', version: '1.12.6' },
    });
    const back = await store.plans.get('k');
    expect(back?.planFile.equals(planFile)).toBe(true);
    expect(back?.tool).toEqual({ name: 'tofu', version: '1.12.6' });
    expect(await store.plans.get('missing')).toBeUndefined();
  });

  it('remembers comment ids per PR and kind', async () => {
    expect(await store.comments.get('pr', 'plan')).toEqual([]);
    await store.comments.set('pr', 'plan', ['1', '2']);
    expect(await store.comments.get('pr', 'plan')).toEqual(['1', '2']);
    expect(await store.comments.get('pr', 'apply')).toEqual([]);
  });
});
