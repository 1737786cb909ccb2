import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPlanKey } from '../../../src/store/plan-key.js';
import { canonicalJson, contentHash, createSealer } from '../../../src/store/seal.js';
import { isTampered, sealedStore, type TamperedRecord } from '../../../src/store/sealed-store.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';
import type { PlanArtifact, PullState } from '../../../src/store/types.js';

const key = randomBytes(32);
const sealer = createSealer(key);
const PLAN_KEY = 'github/1/pr/7/abc/prod/default';

describe('seal and verify', () => {
  const content = ['plan bytes', Buffer.from([0, 1, 2]), undefined];
  const seal = sealer.seal('plan', PLAN_KEY, content);

  it.each<[string, () => boolean]>([
    ['the same record at the same key verifies', () => sealer.verify('plan', PLAN_KEY, content, seal)],
    [
      'another key (another PR, commit or project) fails',
      () => !sealer.verify('plan', 'github/1/pr/8/abc/prod/default', content, seal),
    ],
    ['another kind fails', () => !sealer.verify('dbt-plan', PLAN_KEY, content, seal)],
    [
      'changed content fails',
      () => !sealer.verify('plan', PLAN_KEY, ['plan bytes!', Buffer.from([0, 1, 2]), undefined], seal),
    ],
    [
      'an absent part is not an empty one',
      () => !sealer.verify('plan', PLAN_KEY, ['plan bytes', Buffer.from([0, 1, 2]), ''], seal),
    ],
    ['no seal fails', () => !sealer.verify('plan', PLAN_KEY, content, undefined)],
    ['a malformed seal fails', () => !sealer.verify('plan', PLAN_KEY, content, 'v1.zz')],
    [
      'a seal made with another key fails',
      () =>
        !sealer.verify(
          'plan',
          PLAN_KEY,
          content,
          createSealer(randomBytes(32)).seal('plan', PLAN_KEY, content),
        ),
    ],
  ])('%s', (_name, check) => {
    expect(check()).toBe(true);
  });

  it('never contains the key, and refuses short keys', () => {
    expect(seal).toMatch(/^v1\.[0-9a-f]{64}$/);
    expect(seal).not.toContain(key.toString('hex'));
    expect(() => createSealer(randomBytes(16))).toThrow('at least 32 bytes');
  });

  it('hashes length-prefixed parts, and canonical JSON sorts keys', () => {
    expect(contentHash(['ab', 'c'])).not.toBe(contentHash(['a', 'bc']));
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
  });
});

describe('sealedStore', () => {
  const stores: SqliteStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
  });
  const open = () => {
    const inner = new SqliteStore({ path: ':memory:' });
    stores.push(inner);
    const tampered: TamperedRecord[] = [];
    return { inner, store: sealedStore(inner, sealer, (r) => tampered.push(r)), tampered };
  };
  const artifact: PlanArtifact = {
    planFile: Buffer.from('plan'),
    planJson: '{}',
    planText: 'text',
    createdAt: '2026-01-01T00:00:00.000Z',
    tool: { name: 'tofu', version: '1.12.6' },
  };
  const state = (number: number): PullState => ({
    pr: { repo: { forge: 'github', id: '1', owner: 'o', name: 'r', fullName: 'o/r' }, number },
    headSha: 'abc',
    author: 'alice',
    url: 'u',
    plannedAt: '2026-01-01T00:00:00.000Z',
    projects: [],
  });

  it('round-trips sealed records and refuses one moved to another key', async () => {
    const { inner, store } = open();
    await store.plans.put(PLAN_KEY, artifact);
    expect((await store.plans.get(PLAN_KEY))?.planText).toBe('text');
    // What a process with write access to the store can do: copy a valid record to another key.
    const stolen = await inner.plans.get(PLAN_KEY);
    await inner.plans.put('github/1/pr/8/abc/prod/default', stolen as PlanArtifact);
    const error = await store.plans.get('github/1/pr/8/abc/prod/default').catch((e: unknown) => e);
    expect(isTampered(error) && error.record).toEqual({
      kind: 'plan',
      key: 'github/1/pr/8/abc/prod/default',
      reason: 'mismatch',
    });
  });

  it('refuses records without a seal (written before sealing) and changed ones', async () => {
    const { inner, store } = open();
    await inner.plans.put(PLAN_KEY, artifact);
    await expect(store.plans.get(PLAN_KEY)).rejects.toThrow('it has no seal');
    await store.dbt.putPlan(PLAN_KEY, { resultJson: '{}', createdAt: 'now' });
    const sealed = await inner.dbt.getPlan(PLAN_KEY);
    await inner.dbt.putPlan(PLAN_KEY, {
      ...(sealed as { resultJson: string; createdAt: string }),
      resultJson: '{"x":1}',
    });
    await expect(store.dbt.getPlan(PLAN_KEY)).rejects.toThrow('its seal does not match');
    expect(await store.plans.get('missing')).toBeUndefined();
  });

  it('seals PR plan states; a changed one throws on get and is left out of lists', async () => {
    const { inner, store, tampered } = open();
    await store.pulls.put('github/1/pr/1', state(1));
    await store.pulls.put('github/1/pr/2', state(2));
    const raw = (await inner.pulls.get('github/1/pr/2')) as PullState;
    await inner.pulls.put('github/1/pr/2', { ...raw, headSha: 'evil' });
    expect((await store.pulls.get('github/1/pr/1'))?.headSha).toBe('abc');
    await expect(store.pulls.get('github/1/pr/2')).rejects.toThrow('failed its integrity check');
    expect((await store.pulls.listByRepo('github/1')).map((s) => s.pr.number)).toEqual([1]);
    expect(tampered).toEqual([{ kind: 'pull', key: 'github/1/pr/2', reason: 'mismatch' }]);
  });
});

describe('loadPlanKey', () => {
  let dir: string;
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('generates an owner-only key once and reads the same key after', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-key-'));
    const path = join(dir, 'data', 'plan-key');
    const first = await loadPlanKey({ kind: 'generated', path });
    const second = await loadPlanKey({ kind: 'generated', path });
    expect(second.text).toBe(first.text);
    expect(first.text).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await readFile(path, 'utf8')).trim()).toBe(first.text);
    expect(first.origin).toBe(path);
  });

  it('refuses a key file others can read, and short keys', async () => {
    dir = await mkdtemp(join(tmpdir(), 'plan-key-'));
    const path = join(dir, 'plan-key');
    await writeFile(path, 'x'.repeat(64));
    await chmod(path, 0o644);
    await expect(loadPlanKey({ kind: 'generated', path })).rejects.toThrow(`run \`chmod 600 ${path}\``);
    await expect(loadPlanKey({ kind: 'env', value: 'short' })).rejects.toThrow('too short');
  });
});
