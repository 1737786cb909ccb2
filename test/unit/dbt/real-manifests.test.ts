import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffManifests, type ManifestDiff } from '../../../src/dbt/diff-manifests.js';
import { type Manifest, parseManifest } from '../../../src/dbt/manifest.js';
import { findDbtTool } from '../../../src/runner/dbt/dbt-tool.js';
import { copyShop, editFile, parseProject, removeFile } from '../../integration/dbt-support.js';

/**
 * The manifest diff on manifests written by a real `dbt parse` of the fixture and edited copies of it
 * (parsed in parallel, unsandboxed: this is about dbt's manifest shape, not the runner).
 */
describe.skipIf(process.env.SLUICE_SKIP_DBT === '1')('diffManifests on manifests from real dbt parse', () => {
  let root: string;
  let base: Manifest;
  let edited: Manifest;
  let broken: Manifest;

  const row = (diff: ManifestDiff, name: string) => diff.changes.find((c) => c.name === name);

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-dbt-manifests-'));
    const tool = await findDbtTool();
    const variant = async (name: string, edit: (dir: string) => Promise<void>) => {
      const dir = join(root, name);
      await copyShop(dir);
      await edit(dir);
      return parseManifest(await parseProject(tool, dir, join(root, `${name}-target`)));
    };
    [base, edited, broken] = await Promise.all([
      variant('base', async () => {}),
      // A macro change, a docs-only change, a removal, a new model with its own test.
      variant('edited', async (dir) => {
        await editFile(dir, 'macros/cents_to_dollars.sql', (t) =>
          t.replace('decimal(12, 2)', 'decimal(14, 2)'),
        );
        await editFile(dir, 'models/staging/_staging.yml', (t) =>
          t.replace('One row per customer.', 'Customers.'),
        );
        await removeFile(dir, 'models/marts/daily_revenue.sql');
        await removeFile(dir, 'tests/no_negative_revenue.sql');
        await editFile(dir, 'models/marts/_marts.yml', (t) =>
          t.replace('  - name: daily_revenue\n    description: Revenue per day, returns left out.\n', ''),
        );
      }),
      // The contract of customer_orders broken twice: a column removed, another retyped.
      variant('broken', async (dir) => {
        await editFile(dir, 'models/marts/customer_orders.sql', (t) =>
          t
            .replace('  count(o.order_id) as order_count,\n', '')
            .replace('c.customer_id,', 'cast(c.customer_id as varchar) as customer_id,'),
        );
        await editFile(dir, 'models/marts/_marts.yml', (t) =>
          t
            .replace('      - name: order_count\n        data_type: bigint\n', '')
            .replace('data_type: integer', 'data_type: varchar')
            .replace(/, order_count: \d/g, ''),
        );
      }),
    ]);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('finds nothing between a manifest and itself', () => {
    const diff = diffManifests(base, base);
    expect(diff.changes).toEqual([]);
    expect(diff.breaking).toEqual([]);
  });

  it('treats every model and seed as new when bootstrapping', () => {
    const diff = diffManifests(undefined, base);
    expect(diff.changes.map((c) => [c.name, c.reasons[0]]).sort()).toEqual([
      ['customer_orders', 'new'],
      ['customers', 'new'],
      ['daily_revenue', 'new'],
      ['orders', 'new'],
      ['stg_customers', 'new'],
      ['stg_orders', 'new'],
    ]);
  });

  it('classifies a macro change, a docs change and a removal, with downstream and exposure', () => {
    const diff = diffManifests(base, edited);
    expect(row(diff, 'stg_orders')).toMatchObject({
      reasons: ['macros'],
      category: 'non-breaking',
      details: ['calls changed macro `cents_to_dollars`'],
    });
    expect(row(diff, 'stg_customers')).toMatchObject({ reasons: ['description'], category: 'metadata-only' });
    expect(row(diff, 'daily_revenue')).toMatchObject({ reasons: ['removed'], category: 'non-breaking' });
    expect(row(diff, 'daily_revenue')?.applyAction).toBe('drop its view (its table stays until collected)');
    expect(diff.downstream.map((d) => [d.name, d.category])).toEqual([['customer_orders', 'indirect']]);
    expect(diff.exposures.map((e) => e.name)).toEqual(['customer_dashboard']);
    expect(diff.tests.removed).toEqual(['no_negative_revenue']);
    expect(diff.breaking).toEqual([]);
  });

  it('calls a removed and a retyped contract column breaking, as dbt itself only warns about', () => {
    const diff = diffManifests(base, broken);
    expect(row(diff, 'customer_orders')).toMatchObject({
      reasons: ['body', 'contract'],
      category: 'breaking',
    });
    expect(diff.breaking).toEqual([
      '`customer_orders`: column `customer_id` type `integer` → `varchar`',
      '`customer_orders`: column `order_count` removed from the enforced contract',
    ]);
    expect(diff.exposures.map((e) => e.name)).toEqual(['customer_dashboard']);
    expect(diff.tests.changed).toEqual(['customer_orders::counts_orders_per_customer']);
  });
});
