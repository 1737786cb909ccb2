import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { anonymousRedisWarning, redisAcceptsAnonymous } from '../../../src/store/redis/redis-auth-probe.js';
import { freePort } from '../../support/redis-server.js';

describe('redisAcceptsAnonymous', () => {
  let guarded: ChildProcess;
  let port: number;

  beforeAll(async () => {
    port = await freePort();
    guarded = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--requirepass', 's3cret-pass'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while ((await redisAcceptsAnonymous(`redis://127.0.0.1:${port}`)) === undefined) {
      if (Date.now() > deadline) throw new Error('redis-server with a password did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  afterAll(() => {
    guarded?.kill();
  });

  it('is true for a Redis that answers without a password (the test Redis)', async () => {
    expect(await redisAcceptsAnonymous(inject('redisUrl'))).toBe(true);
  });

  it('is false for one that requires a password, even when the URL carries it', async () => {
    expect(await redisAcceptsAnonymous(`redis://127.0.0.1:${port}`)).toBe(false);
    expect(await redisAcceptsAnonymous(`redis://:s3cret-pass@127.0.0.1:${port}`)).toBe(false);
  });

  it('is undefined when nothing answers', async () => {
    expect(await redisAcceptsAnonymous(`redis://127.0.0.1:${await freePort()}`)).toBeUndefined();
  });

  it('warns with host and port, never the password', () => {
    const warning = anonymousRedisWarning('redis://:s3cret-pass@10.0.0.5:6380/0');
    expect(warning).toContain('Redis at 10.0.0.5:6380 accepts connections without a password');
    expect(warning).toContain('Require a password');
    expect(warning).not.toContain('s3cret-pass');
  });
});
