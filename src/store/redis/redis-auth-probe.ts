import { Redis } from 'ioredis';

/** How long the probe waits for Redis before giving up (then it warns about nothing). */
const PROBE_TIMEOUT_MS = 3_000;

/**
 * Whether the Redis behind `url` answers a client that gives no password: a PING on a connection to
 * the same host and port without the URL's credentials. Undefined when Redis cannot be reached or the
 * answer is not clear (the readiness check reports an unreachable Redis itself).
 */
export async function redisAcceptsAnonymous(url: string): Promise<boolean | undefined> {
  const anonymous = new URL(url);
  anonymous.username = '';
  anonymous.password = '';
  const redis = new Redis(anonymous.toString(), {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    // The ready check's INFO would fail on a guarded Redis and close the connection before the PING.
    enableReadyCheck: false,
    retryStrategy: () => null,
    connectTimeout: PROBE_TIMEOUT_MS,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch (error) {
    return /NOAUTH|WRONGPASS|NOPERM|Authentication required/i.test((error as Error).message)
      ? false
      : undefined;
  } finally {
    redis.disconnect();
  }
}

/** The warning for an open Redis: what is at risk and what to do. Names host and port, never credentials. */
export function anonymousRedisWarning(url: string): string {
  const { host } = new URL(url);
  return `Redis at ${host} accepts connections without a password: anything that reaches it (plan code, if the plan network can) can read and change queued jobs, locks and stored plans. Require a password (requirepass or an ACL user, given in REDIS_URL) and keep Redis off the network plans run in (docs/plan-integrity.md).`;
}
