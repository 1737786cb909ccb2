import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/sqlite/open-database.js';
import { SqliteStore } from '../../../src/store/sqlite/sqlite-store.js';

const DAY = 24 * 3600 * 1000;

describe('SqliteStore ages rows out like the Redis TTLs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-store-'));
  const path = join(dir, 'nested', 'sluice.db');
  let now = Date.parse('2026-01-01T00:00:00Z');
  const store = new SqliteStore({ path, clock: () => now });
  afterAll(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the database in WAL mode', () => {
    const db = openDatabase(path);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('forgets a delivery after 7 days, a head after 90, a plan after 30', async () => {
    expect(await store.deliveries.claim('github', 'd')).toBe(true);
    expect(await store.heads.advance('pr', { sha: 'new', updatedAt: '2026-01-01T10:00:00Z' })).toBe(true);
    await store.plans.put('plan', {
      planFile: Buffer.from('x'),
      planJson: '{}',
      planText: '',
      createdAt: '2026-01-01T00:00:00Z',
      tool: { name: 'tofu', version: '1' },
    });
    now += 6 * DAY;
    expect(await store.deliveries.claim('github', 'd')).toBe(false);
    now += 2 * DAY;
    expect(await store.deliveries.claim('github', 'd')).toBe(true);
    expect(await store.plans.get('plan')).toBeDefined();
    now += 30 * DAY;
    expect(await store.plans.get('plan')).toBeUndefined();
    expect(await store.heads.advance('pr', { sha: 'old', updatedAt: '2025-12-01T00:00:00Z' })).toBe(false);
    now += 60 * DAY;
    expect(await store.heads.latest('pr')).toBeUndefined();
    expect(await store.heads.advance('pr', { sha: 'old', updatedAt: '2025-12-01T00:00:00Z' })).toBe(true);
    store.prune();
    expect(await store.heads.latest('pr')).toEqual({ sha: 'old', updatedAt: '2025-12-01T00:00:00Z' });
  });
});
