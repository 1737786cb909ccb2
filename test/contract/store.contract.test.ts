import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { ApplyAttempt, PullState, Store } from '../../src/store/types.js';
import { embeddedBackend, type Opened, redisBackend } from './backends.js';

const backends = [redisBackend(inject('redisUrl')), embeddedBackend()];

const pullState = (repoId: string, number: number, headSha: string): PullState => ({
  pr: { repo: { forge: 'github', id: repoId, owner: 'acme', name: 'infra', fullName: 'acme/infra' }, number },
  headSha,
  author: 'dev',
  url: `https://github.com/acme/infra/pull/${number}`,
  plannedAt: '2026-01-01T00:00:00Z',
  projects: [
    {
      name: 'prod',
      dir: 'envs/prod',
      workspace: 'default',
      planKey: `github/${repoId}/pr/${number}/${headSha}/prod/default`,
      planId: '2026-01-01T00:00:00Z',
      status: 'planned',
      noChanges: false,
      fence: 3,
    },
  ],
});

describe.each(backends)('Store contract: $name', (backend) => {
  let opened: Opened<Store>;
  beforeEach(async () => {
    opened = await backend.store();
  });
  afterEach(() => opened.close());
  /** Another independent connection to the same data. */
  const client = () => opened.client();

  it('answers ping', async () => {
    await expect(client().ping()).resolves.toBeUndefined();
  });

  it('claims a delivery once, per forge, and again after release', async () => {
    const store = client();
    expect(await store.deliveries.claim('github', 'd1')).toBe(true);
    expect(await store.deliveries.claim('github', 'd1')).toBe(false);
    expect(await store.deliveries.claim('gitlab', 'd1')).toBe(true);
    await store.deliveries.release('github', 'd1');
    expect(await store.deliveries.claim('github', 'd1')).toBe(true);
  });

  it('gives a delivery to exactly one of many concurrent claims from independent clients', async () => {
    const clients = Array.from({ length: 20 }, () => client());
    const claims = await Promise.all(clients.map((store) => store.deliveries.claim('github', 'race')));
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('claims a delivery under its id and its body hash at once: either seen again is a duplicate', async () => {
    const store = client();
    const week = 7 * 24 * 3600 * 1000;
    expect(await store.deliveries.claimEach('github', ['id-1', 'body:h1'], week)).toBe(true);
    // The same id (GitHub's redelivery), and the same signed body under a new id (a replay).
    expect(await store.deliveries.claimEach('github', ['id-1', 'body:h2'], week)).toBe(false);
    expect(await store.deliveries.claimEach('github', ['id-2', 'body:h1'], week)).toBe(false);
    // A refused claim records nothing: id-2 and body:h2 are still free.
    expect(await store.deliveries.claimEach('github', ['id-2', 'body:h2'], week)).toBe(true);
    // Per forge, like claim.
    expect(await store.deliveries.claimEach('gitlab', ['id-1', 'body:h1'], week)).toBe(true);
    // Released (the enqueue failed): both keys free again for the redelivery.
    await store.deliveries.release('github', 'id-1');
    await store.deliveries.release('github', 'body:h1');
    expect(await store.deliveries.claimEach('github', ['id-1', 'body:h1'], week)).toBe(true);
  });

  it('forgets a claimEach after its window', async () => {
    const store = client();
    expect(await store.deliveries.claimEach('github', ['short', 'body:short'], 300)).toBe(true);
    expect(await store.deliveries.claimEach('github', ['other', 'body:short'], 300)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await store.deliveries.claimEach('github', ['other', 'body:short'], 300)).toBe(true);
  });

  it('gives a body hash to exactly one of many concurrent replays under different ids', async () => {
    const clients = Array.from({ length: 20 }, () => client());
    const claims = await Promise.all(
      clients.map((store, i) => store.deliveries.claimEach('github', [`replay-${i}`, 'body:same'], 60_000)),
    );
    expect(claims.filter(Boolean)).toHaveLength(1);
  });

  it('moves a head forward, never back to an older delivery', async () => {
    const store = client();
    const key = 'github/1/pr/1';
    expect(await store.heads.latest(key)).toBeUndefined();
    expect(await store.heads.advance(key, { sha: 'b', updatedAt: '2026-01-01T10:00:05Z' })).toBe(true);
    expect(await store.heads.advance(key, { sha: 'a', updatedAt: '2026-01-01T10:00:01Z' })).toBe(false);
    expect(await store.heads.latest(key)).toEqual({ sha: 'b', updatedAt: '2026-01-01T10:00:05Z' });
    // Fractions of a second compare by time, not as text ('.' sorts before 'Z').
    expect(await store.heads.advance(key, { sha: 'b2', updatedAt: '2026-01-01T10:00:05.500Z' })).toBe(true);
    expect(await store.heads.advance(key, { sha: 'b1', updatedAt: '2026-01-01T10:00:05.250Z' })).toBe(false);
    expect(await store.heads.advance(key, { sha: 'c', updatedAt: '2026-01-01T10:00:09Z' })).toBe(true);
    expect(await store.heads.latest(key)).toEqual({ sha: 'c', updatedAt: '2026-01-01T10:00:09Z' });
    expect(await store.heads.latest('github/1/pr/2')).toBeUndefined();
    await expect(store.heads.advance(key, { sha: 'x', updatedAt: 'yesterday' })).rejects.toThrow(/timestamp/);
  });

  it('ends at the newest head whatever order concurrent deliveries arrive in', async () => {
    const marks = Array.from({ length: 30 }, (_, i) => ({
      sha: `s${i}`,
      updatedAt: new Date(Date.UTC(2026, 0, 1, 10, 0, i)).toISOString(),
    }));
    const shuffled = [...marks].sort(() => Math.random() - 0.5);
    await Promise.all(shuffled.map((mark) => client().heads.advance('github/1/pr/7', mark)));
    expect(await client().heads.latest('github/1/pr/7')).toEqual(marks[29]);
  });

  it('keeps plan files byte for byte, and text as written', async () => {
    const store = client();
    const planFile = Buffer.concat([
      Buffer.from(Array.from({ length: 256 }, (_, i) => i)),
      randomBytes(1 << 20),
    ]);
    const artifact = {
      planFile,
      planJson: '{"format_version":"1.2","planned_values":{"résumé":"✓"}}',
      planText: 'Plan: 1 to add, 0 to change, 0 to destroy.\n  + name = "ünïcödé 🚀"\n',
      createdAt: '2026-01-01T00:00:00Z',
      tool: { name: 'tofu', version: '1.12.6' },
    };
    await store.plans.put('k', artifact);
    const back = await client().plans.get('k');
    expect(back?.planFile.equals(planFile)).toBe(true);
    // Compared apart: a deep equality over a megabyte of bytes is slow.
    expect({ ...back, planFile: 'checked' }).toEqual({ ...artifact, planFile: 'checked' });
    await store.plans.put('k', { ...artifact, planFile: Buffer.from([0]), planText: '' });
    expect((await store.plans.get('k'))?.planFile).toEqual(Buffer.from([0]));
    expect((await store.plans.get('k'))?.planText).toBe('');
    expect(await store.plans.get('missing')).toBeUndefined();
  });

  it('keeps dbt plans and production state as written', async () => {
    const store = client();
    const plan = {
      resultJson: '{"status":"planned","schema":"pr_1","note":"ünïcödé"}',
      manifest: '{"nodes":{}}',
      createdAt: '2026-01-01T00:00:00Z',
    };
    await store.dbt.putPlan('k', plan);
    expect(await client().dbt.getPlan('k')).toEqual(plan);
    const failed = { resultJson: '{"status":"error"}', createdAt: '2026-01-02T00:00:00Z' };
    await store.dbt.putPlan('k', failed);
    expect(await client().dbt.getPlan('k')).toEqual(failed);
    expect(await store.dbt.getPlan('missing')).toBeUndefined();
    expect(await store.dbt.getProduction('github/1/dbt-production/shop')).toBeUndefined();
    const production = {
      manifest: '{"nodes":{}}',
      catalog: '{}',
      sha: 'a'.repeat(40),
      storedAt: '2026-01-01T00:00:00Z',
    };
    await store.dbt.putProduction('github/1/dbt-production/shop', production);
    expect(await client().dbt.getProduction('github/1/dbt-production/shop')).toEqual(production);
    expect(await store.dbt.getProduction('github/2/dbt-production/shop')).toBeUndefined();
  });

  it('records dbt deployments newest first, keeps the latest 20, and makes the newest production', async () => {
    const store = client();
    const deployment = (project: string, n: number) => ({
      id: `${project}-${n}`,
      kind: 'apply' as const,
      project: { name: project, dir: project },
      sha: String(n).padStart(40, '0'),
      at: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      models: [
        {
          uniqueId: 'model.shop.orders',
          name: 'orders',
          key: `k${n}`,
          public: { database: 'wh', schema: 'main', identifier: 'orders' },
          physical: { database: 'wh', schema: 'sluice_shop', identifier: `orders__k${n}` },
        },
      ],
      built: [`k${n}`],
      manifest: `{"n":${n}}`,
    });
    expect(await store.dbt.deployments('github/1/dbt-production/shop')).toEqual([]);
    expect(await store.dbt.latestDeployments('github/1')).toEqual([]);
    for (let n = 1; n <= 22; n++) {
      await store.dbt.recordDeployment('github/1/dbt-production/shop', 'github/1', deployment('shop', n));
    }
    await store.dbt.recordDeployment('github/1/dbt-production/web', 'github/1', deployment('web', 1));
    const history = await client().dbt.deployments('github/1/dbt-production/shop');
    expect(history.map((d) => d.id)).toEqual(Array.from({ length: 20 }, (_, i) => `shop-${22 - i}`));
    expect(history[0]).toEqual(deployment('shop', 22));
    expect(await client().dbt.getProduction('github/1/dbt-production/shop')).toEqual({
      manifest: '{"n":22}',
      sha: String(22).padStart(40, '0'),
      storedAt: deployment('shop', 22).at,
    });
    expect((await client().dbt.latestDeployments('github/1')).map((d) => d.id)).toEqual(['shop-22', 'web-1']);
    expect(await store.dbt.latestDeployments('github/2')).toEqual([]);
  });

  it('remembers comment ids per PR and kind', async () => {
    const store = client();
    expect(await store.comments.get('pr', 'plan')).toEqual([]);
    await store.comments.set('pr', 'plan', ['1', '2']);
    expect(await store.comments.get('pr', 'plan')).toEqual(['1', '2']);
    expect(await store.comments.get('pr', 'apply')).toEqual([]);
    await store.comments.set('pr', 'plan', ['3']);
    expect(await store.comments.get('pr', 'plan')).toEqual(['3']);
  });

  it('records who allowed planning a fork PR head commit, per PR and commit', async () => {
    const store = client();
    const sha = 'e'.repeat(40);
    expect(await store.forks.get('github/1/pr/5', sha)).toBeUndefined();
    const allowance = { headSha: sha, by: 'maintainer', at: '2026-01-02T03:04:05.000Z' };
    await store.forks.allow('github/1/pr/5', allowance);
    expect(await client().forks.get('github/1/pr/5', sha)).toEqual(allowance);
    // Another commit of the same PR, or the same commit on another PR, is not allowed.
    expect(await store.forks.get('github/1/pr/5', 'f'.repeat(40))).toBeUndefined();
    expect(await store.forks.get('github/1/pr/6', sha)).toBeUndefined();
    const again = { ...allowance, by: 'other', at: '2026-01-03T00:00:00.000Z' };
    await store.forks.allow('github/1/pr/5', again);
    expect(await store.forks.get('github/1/pr/5', sha)).toEqual(again);
  });

  it('keeps PR states and lists them by repo', async () => {
    const store = client();
    const one = pullState('1', 1, 'a'.repeat(40));
    const two = pullState('1', 2, 'b'.repeat(40));
    const other = pullState('2', 1, 'c'.repeat(40));
    await store.pulls.put('github/1/pr/1', one);
    await store.pulls.put('github/1/pr/2', two);
    await store.pulls.put('github/2/pr/1', other);
    expect(await store.pulls.get('github/1/pr/1')).toEqual(one);
    const listed = await store.pulls.listByRepo('github/1');
    expect(listed.map((s) => s.pr.number).sort()).toEqual([1, 2]);
    const updated = { ...one, headSha: 'd'.repeat(40) };
    await store.pulls.put('github/1/pr/1', updated);
    expect(await store.pulls.get('github/1/pr/1')).toEqual(updated);
    await store.pulls.delete('github/1/pr/1');
    expect(await store.pulls.get('github/1/pr/1')).toBeUndefined();
    expect(await store.pulls.listByRepo('github/1')).toEqual([two]);
    expect(await store.pulls.listByRepo('github/9')).toEqual([]);
  });

  it('records one apply attempt per saved plan, updates it, lists the unfinished ones and forgets a released one', async () => {
    const store = client();
    const attempt = (claim: string, runId: string): ApplyAttempt => ({
      claim,
      prKey: 'github/1/pr/1',
      project: 'prod',
      runId,
      attemptId: randomBytes(4).toString('hex'),
      startedAt: '2026-01-01T00:00:00.000Z',
      heartbeatAt: '2026-01-01T00:00:00.000Z',
      phase: 'claimed',
    });
    const first = attempt('plan-a@1', 'job-1');
    expect(await store.applies.begin(first)).toBe(true);
    expect(await store.applies.begin(attempt('plan-a@1', 'job-2'))).toBe(false);
    expect(await store.applies.get('plan-a@1')).toEqual(first);
    const applying = { ...first, phase: 'applying' as const, stateBefore: { lineage: 'l-1', serial: 4 } };
    expect(await store.applies.update(applying)).toBe(true);
    expect(await client().applies.get('plan-a@1')).toEqual(applying);
    // Only the attempt that holds the record may write it; a recovery takes it over once.
    expect(await store.applies.update({ ...applying, attemptId: 'other' })).toBe(false);
    const recovery = { ...applying, attemptId: 'recovery', runId: 'job-9' };
    expect(await store.applies.takeOver(first.attemptId, recovery)).toBe(true);
    expect(await client().applies.takeOver(first.attemptId, { ...recovery, attemptId: 'late' })).toBe(false);
    expect(await store.applies.update(applying)).toBe(false);
    expect(await store.applies.get('plan-a@1')).toEqual(recovery);
    expect(await store.applies.update(applying)).toBe(false);
    expect(await store.applies.takeOver('recovery', applying)).toBe(true);
    expect(await store.applies.begin(attempt('plan-b@1', 'job-3'))).toBe(true);
    expect((await store.applies.unfinished(10)).map((a) => a.claim).sort()).toEqual(['plan-a@1', 'plan-b@1']);
    expect(await store.applies.unfinished(1)).toHaveLength(1);
    await store.applies.update({ ...applying, phase: 'finished', outcome: 'applied' });
    expect((await store.applies.unfinished(10)).map((a) => a.claim)).toEqual(['plan-b@1']);
    // Finished is still recorded: the plan is not applied again.
    expect(await store.applies.begin(attempt('plan-a@1', 'job-4'))).toBe(false);
    await store.applies.release('plan-b@1');
    expect(await store.applies.get('plan-b@1')).toBeUndefined();
    expect(await store.applies.unfinished(10)).toEqual([]);
    expect(await store.applies.begin(attempt('plan-b@1', 'job-5'))).toBe(true);
  });

  it('gives an apply attempt to exactly one of many concurrent beginners from independent clients', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        client().applies.begin({
          claim: 'plan-c@1',
          prKey: 'github/1/pr/1',
          project: 'prod',
          runId: `job-${i}`,
          attemptId: String(i),
          startedAt: '2026-01-01T00:00:00.000Z',
          heartbeatAt: '2026-01-01T00:00:00.000Z',
          phase: 'claimed',
        }),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});
