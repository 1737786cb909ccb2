import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { type RedisServer, startRedisServer } from '../support/redis-server.js';

/**
 * Issue 13: a delivery that arrives while Redis is down is answered 503 with Retry-After (GitHub does
 * not redeliver by itself, so a 500 would read as Sluice's bug and the delivery is gone); nothing of it
 * is kept, so the redelivery after Redis is back is processed. A dedicated redis-server: the run's
 * shared one is never stopped.
 */
describe('a store outage during webhooks (redis backend)', () => {
  let redis: RedisServer;
  let h: Harness;
  beforeAll(async () => {
    redis = await startRedisServer();
    h = await startHarness({
      redisUrl: redis.url,
      initialFiles: { 'main.tf': 'terraform {}\n' },
      workers: 0,
    });
  });
  afterAll(async () => {
    await h?.close();
    await redis?.destroy();
  });

  it('answers 503 with Retry-After while Redis is down, and processes the redelivery once it is back', async () => {
    const pr = await h.forge.createPullRequest(5, { 'main.tf': 'terraform {}\n# 5\n' });
    const delivery = h.forge.openedDelivery(pr, 'during-outage');
    const before = await h.sluice.queueCounts();

    await redis.stop();
    const started = Date.now();
    const during = await h.post(delivery.headers, delivery.body);
    expect(during.status).toBe(503);
    expect(during.headers.get('retry-after')).toBe('30');
    const answer = (await during.json()) as { error: string; message: string };
    expect(answer.error).toBe('NOT_READY');
    expect(answer.message).toMatch(/cannot reach its store or queue.*redeliver it/);
    // Well inside GitHub's 10 s delivery timeout.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(h.logs.some((line) => line.includes('webhook not recorded: store or queue unavailable'))).toBe(
      true,
    );
    const ready = await fetch(`${h.sluice.url}/readyz`);
    expect(ready.status).toBe(503);

    await redis.restart();
    await h.waitFor(async () => (await fetch(`${h.sluice.url}/readyz`)).status === 200, {
      timeoutMs: 20_000,
    });
    // The same delivery, redelivered (same id, same body): processed, not a duplicate.
    const after = await h.post(delivery.headers, delivery.body);
    expect(after.status).toBe(202);
    expect(await after.json()).toMatchObject({ outcome: 'enqueued' });
    expect((await h.sluice.queueCounts()).waiting).toBe(before.waiting + 1);
    // And only once.
    const again = await h.post(delivery.headers, delivery.body);
    expect(await again.json()).toEqual({ outcome: 'duplicate' });
  });
});
