import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubForge } from '../../../src/forge/github/github-forge.js';
import { githubOctokitClass } from '../../../src/forge/github/octokit-class.js';
import {
  type Clock,
  GITHUB_WRITE_LIMITS,
  SlidingWindowBudget,
  type WindowLimit,
} from '../../../src/forge/github/write-budget.js';
import type { RepoRef } from '../../../src/forge/types.js';
import { type FakeGitHub, startFakeGitHub } from '../../fakes/github/fake-github.js';

/** A clock that only moves when someone sleeps on it. */
function virtualClock(): Clock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => {
      clock.t += ms;
    },
  };
  return clock;
}

/** The largest number of times that fall in any window of `windowMs` (a window is (t - windowMs, t]). */
function busiestWindow(times: number[], windowMs: number): number {
  let most = 0;
  for (const end of times) most = Math.max(most, times.filter((t) => t > end - windowMs && t <= end).length);
  return most;
}

async function admit(budget: SlidingWindowBudget, clock: { now(): number }, count: number) {
  const times: number[] = [];
  // Each call finishes as soon as it is admitted.
  await Promise.all(
    Array.from({ length: count }, () =>
      budget.take().then(() => {
        times.push(clock.now());
        budget.finish();
      }),
    ),
  );
  return times;
}

describe('GitHub write budget (sliding windows, virtual time)', () => {
  it('lets a 20-project pull request write at once (44 writes, no wait)', async () => {
    const clock = virtualClock();
    const times = await admit(new SlidingWindowBudget(GITHUB_WRITE_LIMITS, clock), clock, 44);
    expect(times).toHaveLength(44);
    expect(Math.max(...times)).toBe(0);
  });

  it('never admits more than 80 writes in any minute nor 500 in any hour', async () => {
    const clock = virtualClock();
    const times = await admit(new SlidingWindowBudget(GITHUB_WRITE_LIMITS, clock), clock, 620);
    expect(busiestWindow(times, 60_000)).toBe(80);
    expect(busiestWindow(times, 3_600_000)).toBe(500);
    // The first 80 go at once; the 81st waits for the first to leave the minute.
    expect(times.filter((t) => t === 0)).toHaveLength(80);
    expect(times[80]).toBe(60_000);
    // The 501st waits for the hour.
    expect(times[500]).toBe(3_600_000);
  });

  it('admits in arrival order', async () => {
    const clock = virtualClock();
    const budget = new SlidingWindowBudget([{ count: 2, windowMs: 1000 }], clock);
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        budget.take().then(() => {
          order.push(i);
          budget.finish();
        }),
      ),
    );
    expect(order).toEqual([0, 1, 2, 3, 4]);
  });

  it('counts a call that is still in flight until it finishes', async () => {
    const clock = virtualClock();
    const budget = new SlidingWindowBudget([{ count: 1, windowMs: 1000 }], clock);
    await budget.take();
    let second = false;
    const next = budget.take().then(() => {
      second = true;
    });
    // Virtual time passes while the first call is in flight (each poll sleeps), yet nothing is admitted.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(second).toBe(false);
    clock.t += 5000;
    budget.finish();
    const finishedAt = clock.t;
    await next;
    expect(second).toBe(true);
    expect(clock.t).toBeGreaterThanOrEqual(finishedAt + 1000);
  });
});

describe('GitHub writes through the budgeted Octokit (fake GitHub)', () => {
  let fake: FakeGitHub;
  const repo: RepoRef = {
    forge: 'github',
    id: '1',
    owner: 'acme',
    name: 'infra',
    fullName: 'acme/infra',
    auth: { installationId: 1 },
  };
  const SHA = 'c'.repeat(40);
  const forgeWith = (limits?: readonly WindowLimit[]) =>
    new GitHubForge({
      probot: new Probot({
        appId: fake.appId,
        privateKey: fake.privateKeyPem,
        baseUrl: fake.apiUrl,
        Octokit: githubOctokitClass('budget', limits),
      }),
    });
  const statusWrites = () =>
    fake.requests.filter((r) => r.method === 'POST' && r.path.includes('/statuses/'));

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: 'acme', name: 'infra', cloneUrl: 'file:///nonexistent' });
  });
  afterAll(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  it('spaces writes only once a window is spent', async () => {
    const forge = forgeWith([{ count: 5, windowMs: 1000 }]);
    const before = statusWrites().length;
    const started = Date.now();
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        forge.setCommitStatus(repo, SHA, {
          context: `sluice/plan: p${i}`,
          state: 'success',
          description: 'ok',
        }),
      ),
    );
    const writes = statusWrites().slice(before);
    expect(writes).toHaveLength(12);
    expect(
      busiestWindow(
        writes.map((w) => w.at),
        1000,
      ),
    ).toBeLessThanOrEqual(5);
    // Five at once, then two waits of a window each: about 2 s, not the 11 s of a one-second gap.
    expect(Date.now() - started).toBeLessThan(6000);
    expect(fake.latestStatuses('acme', 'infra', SHA).size).toBe(12);
  });

  it('waits out a secondary rate limit as GitHub asks (retry-after) and retries', async () => {
    const forge = forgeWith();
    const before = statusWrites().length;
    fake.limitNextWrites(1);
    const started = Date.now();
    await forge.setCommitStatus(repo, SHA, {
      context: 'sluice/apply',
      state: 'pending',
      description: 'Applying…',
    });
    const writes = statusWrites().slice(before);
    expect(writes.map((w) => w.status)).toEqual([403, 201]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(fake.latestStatuses('acme', 'infra', SHA).get('sluice/apply')?.state).toBe('pending');
  });
});
