import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DbtToolInfo, findDbtTool } from '../../src/runner/dbt/dbt-tool.js';
import { queryWarehouse, shopRepoFiles, viewTarget } from '../integration/dbt-support.js';
import { type Harness, startHarness } from '../support/harness.js';

const network = (resources: number) =>
  Array.from(
    { length: resources },
    (_, i) => `resource "terraform_data" "net_${i}" {\n  input = "net-${i}"\n}\n`,
  ).join('\n');

const DAILY = 'shop/models/marts/daily_revenue.sql';
const STG_ORDERS = 'shop/models/staging/stg_orders.sql';

describe.skipIf(process.env.SLUICE_SKIP_DBT === '1')(
  'dbt Write-Audit-Publish on merge, rollback and clean-up on github with the redis backend',
  () => {
    let h: Harness;
    let dir: string;
    let warehouse: string;
    let tool: DbtToolInfo;
    let shop: Record<string, string>;

    const schemas = async () =>
      (
        await queryWarehouse(
          tool,
          warehouse,
          "select schema_name from information_schema.schemata where schema_name like 'pr_%' order by 1",
        )
      ).map((r) => String(r[0]));
    /** Waits until the PR's schema is gone (its clean-up also frees the warehouse file for the next job). */
    const schemaDropped = (pr: number) =>
      h.waitFor(async () => !(await schemas()).includes(`pr_${pr}`), {
        timeoutMs: 120_000,
        // Each look opens the warehouse file, which DuckDB locks against Sluice's own writes meanwhile.
        intervalMs: 3000,
      });

    beforeAll(async () => {
      tool = await findDbtTool();
      shop = await shopRepoFiles();
      dir = await mkdtemp(join(tmpdir(), 'sluice-dbt-wap-'));
      const warehouseDir = join(dir, 'warehouse');
      await mkdir(warehouseDir);
      warehouse = join(warehouseDir, 'shop.duckdb');
      // The fixture's profiles.yml reads it with env_var(); the server passes it to plans and applies.
      process.env.SHOP_DUCKDB_PATH = warehouse;
      const config = join(dir, 'sluice-server.yaml');
      await writeFile(
        config,
        `version: 1
repos:
  - id_regex: '.*'
    allowed: true
    apply_mode: merge
    apply_requirements: [approved]
    lock_mode: 'off'
    sandbox:
      plan_env: [SHOP_DUCKDB_PATH]
      apply_env: [SHOP_DUCKDB_PATH]
      plan_paths: ['${warehouseDir}']
      apply_paths: ['${warehouseDir}']
`,
      );
      h = await startHarness({
        forge: 'github',
        backend: 'redis',
        initialFiles: { 'network/main.tf': network(1), 'README.md': '# data\n' },
        env: { SLUICE_CONFIG: config },
      });
      h.forge.setAccess('reviewer', 'write');
    });
    afterEach((context) => {
      if (context.task.result?.state === 'fail') console.log(h.logs.slice(-40).join('\n'));
      h.forge.assertNoViolations();
    });
    afterAll(async () => {
      await h?.close();
      delete process.env.SHOP_DUCKDB_PATH;
      if (dir) await rm(dir, { recursive: true, force: true });
    }, 400_000);

    let firstDaily = '';
    let secondDaily = '';

    it('a mixed pull request applies Terraform first, then publishes the dbt models, and drops its schema', async () => {
      const pr = await h.openPullRequest(1, { 'network/main.tf': network(2), ...shop });
      expect(await h.planDone(pr.headSha, 120_000)).toMatchObject({ state: 'success' });
      h.approve(pr);
      const mergeSha = await h.merge(pr);
      expect(await h.statusDone(mergeSha, 'sluice/apply', 180_000)).toMatchObject({ state: 'success' });
      const body = h.applyComments(1).at(-1) ?? '';
      expect(body.indexOf('`network`')).toBeGreaterThan(-1);
      expect(body.indexOf('`network`')).toBeLessThan(body.indexOf('`shop`'));
      expect(body).toContain('Published 6 models after every test passed: 6 built, 0 unchanged and reused.');
      expect(h.forge.latestStatuses(mergeSha).get('sluice/apply: shop')).toMatchObject({
        state: 'success',
        description: 'Published',
      });
      await schemaDropped(1);
      firstDaily = await viewTarget(tool, warehouse, 'daily_revenue');
      expect(firstDaily).toMatch(/^sluice_shop\.daily_revenue__[0-9a-f]{12}$/);
      expect(await queryWarehouse(tool, warehouse, 'select count(*) from main.customer_orders')).toEqual([
        [4],
      ]);
    }, 400_000);

    it('a change rebuilds one model and switches its view; the plan compared against production', async () => {
      const pr = await h.openPullRequest(2, {
        [DAILY]: (shop[DAILY] ?? '').replace('order_date', 'order_date '),
      });
      expect(await h.planDone(pr.headSha, 120_000)).toMatchObject({ state: 'success' });
      expect(h.planComments(2)[0]?.body).toContain('against production manifest');
      h.approve(pr);
      const mergeSha = await h.merge(pr);
      expect(await h.statusDone(mergeSha, 'sluice/apply', 180_000)).toMatchObject({ state: 'success' });
      expect(h.applyComments(2).at(-1)).toContain('1 built, 5 unchanged and reused');
      await schemaDropped(2);
      secondDaily = await viewTarget(tool, warehouse, 'daily_revenue');
      expect(secondDaily).not.toBe(firstDaily);
    }, 400_000);

    it('merging a revert points the views at the earlier tables without building anything', async () => {
      const pr = await h.openPullRequest(3, { [DAILY]: shop[DAILY] ?? '' });
      expect(await h.planDone(pr.headSha, 120_000)).toMatchObject({ state: 'success' });
      h.approve(pr);
      const mergeSha = await h.merge(pr);
      expect(await h.statusDone(mergeSha, 'sluice/apply', 180_000)).toMatchObject({ state: 'success' });
      expect(h.applyComments(3).at(-1)).toContain('0 built, 6 unchanged and reused');
      await schemaDropped(3);
      expect(await viewTarget(tool, warehouse, 'daily_revenue')).toBe(firstDaily);
    }, 400_000);

    it('`sluice rollback` goes back to the previous deployment without a rebuild', async () => {
      await h.comment(3, 'sluice rollback', 'reviewer');
      await h.waitFor(() => h.replies(3).some((r) => r.includes('dbt rollback')), { timeoutMs: 120_000 });
      const answer = h.replies(3).find((r) => r.includes('dbt rollback')) ?? '';
      expect(answer).toContain('Rolled back: 6 public views point at the tables of the deployment of');
      expect(answer).toContain('nothing was rebuilt');
      expect(await viewTarget(tool, warehouse, 'daily_revenue')).toBe(secondDaily);
    }, 400_000);

    it('a failing test on the new tables publishes nothing and says why', async () => {
      const pr = await h.openPullRequest(4, {
        [STG_ORDERS]: (shop[STG_ORDERS] ?? '').replace('  status\n', "  'lost' as status\n"),
      });
      expect(await h.planDone(pr.headSha, 120_000)).toMatchObject({ state: 'success' });
      h.approve(pr);
      const mergeSha = await h.merge(pr);
      expect(await h.statusDone(mergeSha, 'sluice/apply', 180_000)).toMatchObject({ state: 'failure' });
      const body = h.applyComments(4).at(-1) ?? '';
      expect(body).toContain('Not published: 1 test failed on the new tables: `accepted_values_stg_orders');
      expect(h.forge.latestStatuses(mergeSha).get('sluice/apply: shop')).toMatchObject({
        state: 'failure',
        description: 'Not published',
      });
      expect(await viewTarget(tool, warehouse, 'daily_revenue')).toBe(secondDaily);
      expect(
        await queryWarehouse(tool, warehouse, "select count(*) from main.stg_orders where status = 'lost'"),
      ).toEqual([[0]]);
    }, 400_000);

    it('closing a pull request drops its schema', async () => {
      const pr = await h.openPullRequest(5, {
        [DAILY]: (shop[DAILY] ?? '').replace('order_date', 'order_date  '),
      });
      expect(await h.planDone(pr.headSha, 120_000)).toMatchObject({ state: 'success' });
      expect(await schemas()).toContain('pr_5');
      await h.closePullRequest(pr);
      await schemaDropped(5);
    }, 400_000);

    it("the next deployment's janitor drops the schema a merged PR with a failed apply left behind", async () => {
      // PR 4 merged but was not published: its state, and its schema, stayed.
      expect(await schemas()).toContain('pr_4');
      const pr = await h.openPullRequest(6, { [STG_ORDERS]: shop[STG_ORDERS] ?? '' });
      expect(await h.planDone(pr.headSha, 120_000)).toMatchObject({ state: 'success' });
      h.approve(pr);
      const mergeSha = await h.merge(pr);
      expect(await h.statusDone(mergeSha, 'sluice/apply', 180_000)).toMatchObject({ state: 'success' });
      // Back to the first deployment's code: its tables are still there, nothing is built.
      expect(h.applyComments(6).at(-1)).toContain('0 built, 6 unchanged and reused');
      await schemaDropped(6);
      await schemaDropped(4);
      expect(await viewTarget(tool, warehouse, 'daily_revenue')).toBe(firstDaily);
    }, 400_000);
  },
);
