import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../../src/errors.js';
import type { Delivery } from '../../../src/forge/events.js';
import { createLogger } from '../../../src/logger.js';
import type { Job } from '../../../src/queue/jobs.js';
import type { JobQueue } from '../../../src/queue/types.js';
import { createDeliveryAcceptor } from '../../../src/server/accept-delivery.js';
import { createMetrics } from '../../../src/server/metrics.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

const repo = { forge: 'github', id: '1', owner: 'acme', name: 'infra', fullName: 'acme/infra' };
const delivery = (id: string, headSha = 'a'.repeat(40), bodyHash = 'h1'): Delivery => ({
  id,
  forge: 'github',
  name: 'pull_request',
  bodyHash,
  event: {
    kind: 'pull_request.updated',
    pr: { repo, number: 7 },
    reason: 'opened',
    headSha,
    baseSha: 'b'.repeat(40),
    updatedAt: '2026-01-01T00:00:00Z',
    draft: false,
    author: 'dev',
  },
});

/** A queue whose enqueue fails while `down` is set, as BullMQ does when Redis goes away. */
function flakyQueue() {
  const jobs: Job[] = [];
  const state = { down: true };
  const queue: JobQueue = {
    enqueue: async (job) => {
      if (state.down) throw new Error('Connection is closed.');
      jobs.push(job);
      return { id: `job-${jobs.length}`, created: true };
    },
    supersede: async () => {},
    counts: async () => ({ waiting: jobs.length, active: 0, delayed: 0, completed: 0, failed: 0 }),
    close: async () => {},
  };
  return { queue, jobs, state };
}

describe('the delivery acceptor', () => {
  it('answers 503 when the queue fails after the claim, and releases both claims for the redelivery', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const { queue, jobs, state } = flakyQueue();
    const accept = createDeliveryAcceptor({
      store,
      queue,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      appName: 'sluice',
    });
    const error = await accept(delivery('d1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SluiceError);
    expect(error).toMatchObject({ code: 'NOT_READY', status: 503 });
    state.down = false;
    // Redelivered: the id and the body hash were both released.
    expect(await accept(delivery('d1'))).toEqual({ outcome: 'enqueued', jobId: 'job-1' });
    expect(jobs).toHaveLength(1);
    expect(await accept(delivery('d2'))).toEqual({ outcome: 'duplicate' });
    await store.close();
  });

  it('answers 503 when the store cannot claim', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    await store.close();
    const accept = createDeliveryAcceptor({
      store,
      queue: flakyQueue().queue,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      appName: 'sluice',
    });
    await expect(accept(delivery('d1'))).rejects.toMatchObject({ code: 'NOT_READY', status: 503 });
  });

  it('refuses a job that fails its schema before claiming anything (400), so a good delivery still goes through', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const { queue, jobs, state } = flakyQueue();
    state.down = false;
    const accept = createDeliveryAcceptor({
      store,
      queue,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      appName: 'sluice',
    });
    await expect(accept(delivery('d1', 'not-a-sha'))).rejects.toMatchObject({
      code: 'JOB_INVALID',
      status: 400,
      message: expect.stringContaining('headSha'),
    });
    expect(await store.heads.latest('github/1/pr/7')).toBeUndefined();
    expect(await accept(delivery('d1'))).toMatchObject({ outcome: 'enqueued' });
    expect(jobs).toHaveLength(1);
    await store.close();
  });

  it('refuses a comment the command parser cannot read with a 400, not a 500', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const { queue, jobs } = flakyQueue();
    const accept = createDeliveryAcceptor({
      store,
      queue,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      appName: 'sluice',
    });
    const huge: Delivery = {
      id: 'c1',
      forge: 'github',
      name: 'issue_comment',
      event: {
        kind: 'comment.created',
        pr: { repo, number: 7 },
        commentId: '1',
        author: 'dev',
        // One 20-million-character word overflows the shell-word parser's regular expression.
        body: `sluice ${'x'.repeat(20_000_000)}`,
      },
    };
    await expect(accept(huge)).rejects.toMatchObject({ code: 'WEBHOOK_PAYLOAD_MALFORMED', status: 400 });
    expect(jobs).toEqual([]);
    await store.close();
  });

  it('refuses a pull request dated more than a day ahead, so it cannot make every real push look older', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    const { queue, jobs, state } = flakyQueue();
    state.down = false;
    const now = Date.parse('2026-01-01T00:00:00Z');
    const accept = createDeliveryAcceptor({
      store,
      queue,
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      appName: 'sluice',
      now: () => now,
    });
    const dated = (id: string, updatedAt: string, sha: string): Delivery => {
      const d = delivery(id, sha, id);
      return {
        ...d,
        event: { ...(d.event as Extract<Delivery['event'], { kind: 'pull_request.updated' }>), updatedAt },
      };
    };
    await expect(accept(dated('far', '9999-12-31T23:59:59Z', 'f'.repeat(40)))).rejects.toMatchObject({
      code: 'WEBHOOK_PAYLOAD_MALFORMED',
      message: expect.stringContaining('more than a day ahead'),
    });
    expect(await store.heads.latest('github/1/pr/7')).toBeUndefined();
    // Within the skew: a forge whose clock runs an hour ahead is fine.
    expect(await accept(dated('near', '2026-01-01T01:00:00Z', 'a'.repeat(40)))).toMatchObject({
      outcome: 'enqueued',
    });
    expect(jobs).toHaveLength(1);
    await store.close();
  });
});
