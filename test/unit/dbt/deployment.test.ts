import { describe, expect, it } from 'vitest';
import { buildKeys } from '../../../src/dbt/build-keys.js';
import { collectable, planDeployment, viewsToDrop } from '../../../src/dbt/deployment.js';
import type { ManifestNode } from '../../../src/dbt/manifest.js';
import { dependsOn, macro, manifest, node } from './manifest-builders.js';

const placed = (name: string, over: Partial<ManifestNode> = {}) =>
  node(name, { database: 'db', schema: 'main', alias: name, ...over });

/** stg → orders → report, plus an unrelated `other`. */
function project(
  over: Record<string, Partial<ManifestNode>> = {},
  extra: Parameters<typeof manifest>[1] = {},
) {
  return manifest(
    [
      placed('stg', over.stg),
      placed('orders', { ...dependsOn('model.p.stg'), config: { materialized: 'table' }, ...over.orders }),
      placed('report', { ...dependsOn('model.p.orders'), ...over.report }),
      placed('other', over.other),
      ...Object.entries(over)
        .filter(([name]) => name.startsWith('test_'))
        .map(([name, t]) => node(name, { resource_type: 'test', ...t })),
    ],
    extra,
  );
}

describe('build keys', () => {
  it('are stable, and a change re-keys the node and everything downstream of it only', () => {
    const before = buildKeys(project());
    expect(buildKeys(project())).toEqual(before);
    const after = buildKeys(project({ orders: { checksum: { checksum: 'new' } } }));
    expect(after.get('model.p.stg')).toBe(before.get('model.p.stg'));
    expect(after.get('model.p.other')).toBe(before.get('model.p.other'));
    expect(after.get('model.p.orders')).not.toBe(before.get('model.p.orders'));
    expect(after.get('model.p.report')).not.toBe(before.get('model.p.report'));
    expect(before.get('model.p.stg')).toMatch(/^[0-9a-f]{12}$/);
  });

  it('ignore documentation and naming, but not configs that change the data', () => {
    const before = buildKeys(project());
    const docs = buildKeys(
      project({
        stg: { description: 'new words', config: { materialized: 'view', meta: { owner: 'x' }, alias: 'y' } },
      }),
    );
    expect(docs.get('model.p.stg')).toBe(before.get('model.p.stg'));
    const materialized = buildKeys(project({ stg: { config: { materialized: 'table' } } }));
    expect(materialized.get('model.p.stg')).not.toBe(before.get('model.p.stg'));
  });

  it('change when a macro the node calls changes, through other macros too', () => {
    const calls = { depends_on: { macros: ['macro.p.outer'], nodes: [] } };
    const keys = (inner: string) =>
      buildKeys(
        project(
          { stg: calls },
          { macros: [macro('outer', '{{ inner() }}', 'p', ['macro.p.inner']), macro('inner', inner)] },
        ),
      );
    expect(keys('select 1').get('model.p.stg')).not.toBe(keys('select 2').get('model.p.stg'));
  });

  it('change when a test of the model is added or changed, so the new test audits a fresh build', () => {
    const before = buildKeys(project());
    const test = { ...dependsOn('model.p.orders'), attached_node: 'model.p.orders' };
    const withTest = buildKeys(project({ test_orders: test }));
    expect(withTest.get('model.p.orders')).not.toBe(before.get('model.p.orders'));
    expect(withTest.get('model.p.stg')).toBe(before.get('model.p.stg'));
    const changed = buildKeys(project({ test_orders: { ...test, checksum: { checksum: 'other' } } }));
    expect(changed.get('model.p.orders')).not.toBe(withTest.get('model.p.orders'));
  });
});

describe('planDeployment', () => {
  it('builds only keys without a table, names every public view, and drops views of removed models', () => {
    const m = project();
    const keys = buildKeys(m);
    const stgTable = `stg__${keys.get('model.p.stg')}`;
    const plan = planDeployment({
      manifest: m,
      keys,
      existing: new Set([stgTable, `other__${keys.get('model.p.other')}`]),
      previous: {
        models: [
          {
            uniqueId: 'model.p.gone',
            name: 'gone',
            key: 'k',
            public: { database: 'db', schema: 'main', identifier: 'gone' },
            physical: { database: 'db', schema: 'sluice_p', identifier: 'gone__k' },
          },
        ],
      },
    });
    expect(plan.build).toEqual(['model.p.orders', 'model.p.report']);
    expect(plan.models.find((x) => x.name === 'stg')).toEqual({
      uniqueId: 'model.p.stg',
      name: 'stg',
      key: keys.get('model.p.stg'),
      public: { database: 'db', schema: 'main', identifier: 'stg' },
      physical: { database: 'db', schema: 'sluice_p', identifier: stgTable },
    });
    expect(plan.drop).toEqual([{ database: 'db', schema: 'main', identifier: 'gone' }]);
    expect(plan.vars.sluice.schema).toBe('sluice_p');
    expect(Object.keys(plan.vars.sluice.aliases).sort()).toEqual([
      'model.p.orders',
      'model.p.other',
      'model.p.report',
      'model.p.stg',
    ]);
  });

  it('leaves ephemeral models, snapshots and tests out', () => {
    const m = manifest([
      placed('eph', { config: { materialized: 'ephemeral' } }),
      placed('snap', { resource_type: 'snapshot', unique_id: 'snapshot.p.snap' }),
      placed('seedy', { resource_type: 'seed', unique_id: 'seed.p.seedy' }),
    ]);
    const plan = planDeployment({ manifest: m, keys: buildKeys(m), existing: new Set() });
    expect(plan.models.map((x) => x.uniqueId)).toEqual(['seed.p.seedy']);
  });
});

describe('collectable', () => {
  const deployment = (at: string, ...tables: string[]) => ({
    at,
    models: tables.map((identifier) => ({
      uniqueId: identifier,
      name: identifier,
      key: identifier,
      public: { schema: 'main', identifier },
      physical: { schema: 'sluice_p', identifier },
    })),
  });
  const day = 24 * 3600 * 1000;

  it('keeps the two latest deployments and those inside the retention, and collects the rest', () => {
    const now = new Date('2026-11-23T12:00:00Z');
    expect(
      collectable({
        existing: new Set(['a1', 'a2', 'b', 'c', 'd', 'orphan']),
        deployments: [
          deployment('2026-11-23T11:00:00Z', 'a2', 'b'),
          deployment('2026-11-01T00:00:00Z', 'a1', 'b'),
          deployment('2026-10-01T00:00:00Z', 'c'),
          deployment('2026-11-20T00:00:00Z', 'd'),
        ],
        now,
        retentionMs: 7 * day,
      }),
      // Kept: the latest two (23rd, 20th); the 1st and October are past the week. `b` is still in use.
    ).toEqual(['a1', 'c', 'orphan']);
  });

  it('viewsToDrop compares public names without regard to case', () => {
    const from = deployment('x', 'Orders', 'gone').models;
    const to = deployment('y', 'orders').models;
    expect(viewsToDrop(from, to)).toEqual([{ schema: 'main', identifier: 'gone' }]);
  });
});
