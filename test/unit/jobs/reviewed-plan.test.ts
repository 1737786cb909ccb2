import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { readReviewedPlan, tamperedPlanMessage } from '../../../src/jobs/reviewed-plan.js';
import { createLogger } from '../../../src/logger.js';
import { createSealer } from '../../../src/store/seal.js';
import { planArtifactHash, sealedStore } from '../../../src/store/sealed-store.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { PlanArtifact } from '../../../src/store/types.js';

const KEY = 'github/1/pr/7/abc/prod/default';
const plan = (text: string): PlanArtifact => ({
  planFile: Buffer.from(text),
  planJson: '{}',
  planText: text,
  createdAt: new Date().toISOString(),
  tool: { name: 'tofu', version: '1.12.6' },
});

describe('readReviewedPlan', () => {
  const inners: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of inners.splice(0)) await s.close();
  });
  const setup = () => {
    const inner = new SqliteStore({ path: ':memory:' });
    inners.push(inner);
    const lines: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    });
    return { inner, store: sealedStore(inner, createSealer(randomBytes(32)), () => {}), log, lines };
  };

  it('returns the plan the PR state names, by its hash', async () => {
    const { store, log } = setup();
    const reviewed = plan('reviewed');
    await store.plans.put(KEY, reviewed);
    const read = await readReviewedPlan(store, { planKey: KEY, planHash: planArtifactHash(reviewed) }, log);
    expect(read.ok && read.artifact.planText).toBe('reviewed');
    expect(await readReviewedPlan(store, { planKey: 'gone', planHash: 'x' }, log)).toEqual({
      ok: false,
      why: 'missing',
    });
  });

  it('refuses an earlier plan of the same project put back (sealed, but not the one reviewed)', async () => {
    const { store, inner, log, lines } = setup();
    await store.plans.put(KEY, plan('earlier'));
    const earlier = await inner.plans.get(KEY);
    const reviewed = plan('reviewed');
    await store.plans.put(KEY, reviewed);
    await inner.plans.put(KEY, earlier as PlanArtifact);
    const read = await readReviewedPlan(store, { planKey: KEY, planHash: planArtifactHash(reviewed) }, log);
    expect(read).toEqual({
      ok: false,
      why: 'tampered',
      record: { kind: 'plan', key: KEY, reason: 'mismatch' },
    });
    expect(lines.join('')).toContain(`stored plan record ${KEY} failed its integrity check`);
  });

  it('refuses a plan stored without a seal, asking for a new plan', async () => {
    const { store, inner, log } = setup();
    await inner.plans.put(KEY, plan('old'));
    const read = await readReviewedPlan(store, { planKey: KEY, planHash: 'x' }, log);
    expect(read.ok).toBe(false);
    if (read.ok || read.why !== 'tampered') throw new Error('not refused as tampered');
    expect(tamperedPlanMessage(read.record, 'prod')).toBe(
      '**Not applied:** the stored plan for `prod` has no integrity seal: stored before Sluice sealed plans, or by something other than Sluice. Comment `sluice plan` to plan again, review the new plan, then apply.',
    );
  });
});
