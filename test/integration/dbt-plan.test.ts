import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prSchemaName } from '../../src/dbt/pr-profile.js';
import { renderDbtPlan } from '../../src/dbt/render-plan.js';
import type { Project } from '../../src/projects/types.js';
import { type DbtToolInfo, findDbtTool } from '../../src/runner/dbt/dbt-tool.js';
import { planDbtProject } from '../../src/runner/dbt/plan-dbt-project.js';
import { createMasker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { buildProduction, copyShop, editFile, removeFile } from './dbt-support.js';

const project: Project = { name: 'shop', dir: 'shop', workspace: 'default', type: 'dbt', reason: 'changed' };

describe.skipIf(process.env.SLUICE_SKIP_DBT === '1')(
  'planDbtProject with real dbt-duckdb in bubblewrap',
  () => {
    let root: string;
    let tool: DbtToolInfo;
    let sandbox: Sandbox;
    let production: { manifest: string; catalog?: string };

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'sluice-dbt-plan-'));
      tool = await findDbtTool();
      sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
      await copyShop(join(root, 'production', 'shop'));
      production = await buildProduction(
        tool,
        join(root, 'production', 'shop'),
        join(root, 'production-target'),
        true,
      );
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    /** A PR: production's checkout (with its warehouse file) copied, edited, then planned. */
    async function plan(
      name: string,
      edit: (projectDir: string) => Promise<void>,
      extra: Partial<Parameters<typeof planDbtProject>[0]> = {},
    ) {
      const checkout = join(root, name, 'checkout');
      await cp(join(root, 'production'), checkout, { recursive: true });
      await edit(join(checkout, 'shop'));
      const artifactDir = join(root, name, 'artifacts');
      const outcome = await planDbtProject({
        project,
        checkoutDir: checkout,
        artifactDir,
        tool,
        sandbox,
        headSha: 'c0ffee0123456789c0ffee0123456789c0ffee01',
        schema: prSchemaName(7),
        baseManifest: production.manifest,
        baseCatalog: production.catalog,
        timeoutMs: 120_000,
        signal: new AbortController().signal,
        masker: createMasker([]),
        ...extra,
      });
      return { ...outcome, artifactDir };
    }

    it('with a data build, compares the row counts of the changed models with production', async () => {
      const { result } = await plan(
        'data-build',
        (dir) =>
          editFile(dir, 'models/staging/stg_orders.sql', (t) =>
            t.replace("from {{ ref('orders') }}", "from {{ ref('orders') }}\nwhere status != 'returned'"),
          ),
        { dataBuild: true },
      );
      expect(result.status).toBe('planned');
      expect(result.dataBuild).toBe(true);
      const rows = Object.fromEntries([...result.changes, ...result.downstream].map((c) => [c.name, c.rows]));
      expect(rows).toEqual({
        stg_orders: { pr: 5, production: 6 },
        customer_orders: { pr: 4, production: 4 },
        daily_revenue: { pr: 5, production: 5 },
      });
      const markdown = renderDbtPlan(result, { mermaid: false });
      expect(markdown).toContain('data build in schema `pr_7`');
      expect(markdown).toContain('| `stg_orders` | 6 | 5 | −1 (−16.7 %) |');
      expect(markdown).toContain('| `customer_orders` | 4 | 4 | ±0 |');
      expect(markdown).not.toContain('Data tests ran on zero rows');
    });

    it('lists a changed model with its reason, its new column, and everything downstream', async () => {
      const { result, manifest, resultFile } = await plan('body', (dir) =>
        editFile(dir, 'models/staging/stg_orders.sql', (t) =>
          t.replace('  status\n', "  status,\n  order_date >= date '2024-02-01' as is_recent\n"),
        ),
      );
      expect(result.status).toBe('planned');
      expect(result.changes).toEqual([
        expect.objectContaining({
          name: 'stg_orders',
          reasons: ['body'],
          category: 'non-breaking',
          columns: { added: ['is_recent'], removed: [], typeChanged: [] },
          applyAction: 'create new view, switch view',
        }),
      ]);
      expect(result.downstream.map((d) => [d.name, d.category, d.upstreamChanges])).toEqual([
        ['customer_orders', 'indirect', ['model.shop.stg_orders']],
        ['daily_revenue', 'indirect', ['model.shop.stg_orders']],
      ]);
      expect(result.exposures.map((e) => e.name)).toEqual(['customer_dashboard']);
      expect(result.unitTests).toMatchObject({ passed: 1, failed: 0 });
      expect(result.tests.passed).toBeGreaterThan(0);
      // The compiled SQL diff shows the change, with relation names mapped back to production's.
      const [sql] = result.sqlDiffs;
      expect(sql?.diff).toContain("+  order_date >= date '2024-02-01' as is_recent");
      expect(sql?.diff).not.toContain('pr_7');
      expect(result.versions).toMatchObject({
        dbt: '1.11.16',
        adapter: { name: 'duckdb', version: '1.11.1' },
      });
      expect(result.baseManifestHash).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(manifest ?? '{}').metadata.adapter_type).toBe('duckdb');
      expect(JSON.parse(await readFile(resultFile, 'utf8'))).toEqual(result);
      const markdown = renderDbtPlan(result, { mermaid: true });
      expect(markdown).toContain('| `stg_orders` | SQL changed | non-breaking | +`is_recent` |');
      expect(markdown).toContain('```mermaid');
    });

    it('detects a removed model and the test removed with it', async () => {
      const { result } = await plan('removed', async (dir) => {
        await removeFile(dir, 'models/marts/daily_revenue.sql');
        await removeFile(dir, 'tests/no_negative_revenue.sql');
      });
      expect(result.status).toBe('planned');
      expect(result.changes).toEqual([
        expect.objectContaining({ name: 'daily_revenue', reasons: ['removed'], category: 'non-breaking' }),
      ]);
      expect(result.changes[0]?.applyAction).toBe('drop its view (its table stays until collected)');
      expect(result.testChanges.removed).toEqual(['no_negative_revenue']);
      expect(result.downstream).toEqual([]);
    });

    it('shows a column added to an enforced contract as non-breaking', async () => {
      const { result } = await plan('column-added', async (dir) => {
        await editFile(dir, 'models/marts/customer_orders.sql', (t) =>
          t.replace('as total_amount\n', 'as total_amount,\n  max(o.order_date) as last_order_date\n'),
        );
        await editFile(dir, 'models/marts/_marts.yml', (t) =>
          t.replace(
            '        data_type: decimal(38, 2)\n',
            '        data_type: decimal(38, 2)\n      - name: last_order_date\n        data_type: date\n',
          ),
        );
      });
      expect(result.status).toBe('planned');
      expect(result.breaking).toEqual([]);
      expect(result.changes).toEqual([
        expect.objectContaining({
          name: 'customer_orders',
          reasons: ['body', 'contract'],
          category: 'non-breaking',
          details: ['column `last_order_date` added to the contract'],
          columns: { added: ['last_order_date'], removed: [], typeChanged: [] },
        }),
      ]);
      expect(result.exposures.map((e) => e.name)).toEqual(['customer_dashboard']);
    });
  },
);
