import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DbtDeployment } from '../../src/dbt/deployment.js';
import type { Project } from '../../src/projects/types.js';
import {
  applyDbtProject,
  type DbtApplyOutcome,
  dropSchemas,
  rollbackDbtProject,
  schemasOf,
} from '../../src/runner/dbt/apply-dbt-project.js';
import { type DbtToolInfo, findDbtTool } from '../../src/runner/dbt/dbt-tool.js';
import { createMasker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { copyShop, editFile, queryWarehouse, viewTarget as viewTargetOf } from './dbt-support.js';

const run = promisify(execFile);
const project: Project = { name: 'shop', dir: 'shop', workspace: 'default', type: 'dbt', reason: 'changed' };
const SECRET = 'warehouse-password-9f8e7d6c5b4a';

describe.skipIf(process.env.SLUICE_SKIP_DBT === '1')(
  'Write-Audit-Publish apply of the dbt fixture with real dbt-duckdb in bubblewrap',
  () => {
    let root: string;
    let tool: DbtToolInfo;
    let sandbox: Sandbox;
    let warehouseDir: string;
    let warehouse: string;
    const deployments: DbtDeployment[] = [];
    let counter = 0;

    beforeAll(async () => {
      root = await mkdtemp(join(tmpdir(), 'sluice-dbt-apply-'));
      tool = await findDbtTool();
      sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
      warehouseDir = join(root, 'warehouse');
      await mkdir(warehouseDir);
      warehouse = join(warehouseDir, 'shop.duckdb');
    });
    afterAll(async () => {
      await rm(root, { recursive: true, force: true });
    });

    /** A fresh checkout of the fixture, edited, as an apply job would have it. */
    async function checkout(edit?: (projectDir: string) => Promise<void>): Promise<string> {
      const dir = join(root, `checkout-${++counter}`);
      await copyShop(join(dir, 'shop'));
      await edit?.(join(dir, 'shop'));
      return dir;
    }

    function session(checkoutDir: string) {
      return {
        project,
        checkoutDir,
        artifactDir: join(root, `artifacts-${++counter}`),
        tool,
        sandbox,
        env: { SHOP_DUCKDB_PATH: warehouse, SHOP_PASSWORD: SECRET },
        writable: [warehouseDir],
        timeoutMs: 120_000,
        signal: new AbortController().signal,
        masker: createMasker([SECRET]),
      };
    }

    async function apply(checkoutDir: string, sha: string): Promise<DbtApplyOutcome> {
      const outcome = await applyDbtProject({
        ...session(checkoutDir),
        current: deployments[0],
        deployments,
        retentionMs: 7 * 24 * 3600 * 1000,
        now: () => new Date(),
      });
      if (outcome.deployment) {
        deployments.unshift({
          ...outcome.deployment,
          id: `d${deployments.length + 1}`,
          kind: outcome.deployment.restored ? 'rollback' : 'apply',
          project: { name: 'shop', dir: 'shop' },
          sha,
          at: new Date().toISOString(),
        });
      }
      return outcome;
    }

    const viewTarget = (view: string) => viewTargetOf(tool, warehouse, view);
    const query = (_tool: DbtToolInfo, file: string, sql: string) => queryWarehouse(tool, file, sql);

    it('bootstraps: builds every model and seed, audits them, and publishes views onto keyed tables', async () => {
      const outcome = await apply(await checkout(), 'a'.repeat(40));
      expect(outcome.status, outcome.message + outcome.output).toBe('applied');
      expect(outcome.message).toBe(
        'Published 6 models after every test passed: 6 built, 0 unchanged and reused.',
      );
      const tables = await query(
        tool,
        warehouse,
        "select table_schema, table_type, count(*) from information_schema.tables where table_schema in ('main', 'sluice_shop') group by all order by all",
      );
      expect(tables).toEqual([
        ['main', 'VIEW', 6],
        ['sluice_shop', 'BASE TABLE', 4],
        ['sluice_shop', 'VIEW', 2],
      ]);
      expect(await viewTarget('customer_orders')).toMatch(/^sluice_shop\.customer_orders__[0-9a-f]{12}$/);
      expect(await query(tool, warehouse, 'select count(*) from main.customer_orders')).toEqual([[4]]);
      expect(deployments[0]?.manifest).toContain('"model.shop.customer_orders"');
    });

    it('rebuilds only the changed model and its downstream, and switches their views', async () => {
      const before = await viewTarget('daily_revenue');
      const customers = await viewTarget('customer_orders');
      const outcome = await apply(
        await checkout((dir) =>
          editFile(dir, 'models/marts/daily_revenue.sql', (t) => t.replace('order_date', 'order_date ')),
        ),
        'b'.repeat(40),
      );
      expect(outcome.status, outcome.message + outcome.output).toBe('applied');
      expect(outcome.message).toContain('1 built, 5 unchanged and reused');
      expect(await viewTarget('daily_revenue')).not.toBe(before);
      expect(await viewTarget('customer_orders')).toBe(customers);
    });

    it('publishes nothing when a test fails on the new tables', async () => {
      const before = await viewTarget('customer_orders');
      const outcome = await apply(
        await checkout((dir) =>
          editFile(dir, 'models/staging/stg_orders.sql', (t) =>
            t.replace('  status\n', "  'lost' as status\n"),
          ),
        ),
        'c'.repeat(40),
      );
      expect(outcome.status).toBe('failed');
      expect(outcome.message).toMatch(
        /^Not published: 1 test failed on the new tables: `accepted_values_stg_orders/,
      );
      expect(outcome.message).toContain("still point at the previous deployment's tables");
      expect(outcome.deployment).toBeUndefined();
      expect(await viewTarget('customer_orders')).toBe(before);
      expect(
        await query(tool, warehouse, 'select distinct status from main.stg_orders order by 1'),
      ).not.toContainEqual(['lost']);
    });

    it('rolls back to the previous deployment without building anything', async () => {
      const [current, previous] = deployments;
      if (!current || !previous) throw new Error('two deployments expected');
      const restored = await viewTarget('daily_revenue');
      const outcome = await rollbackDbtProject({ ...session(await checkout()), current, restore: previous });
      expect(outcome.status, outcome.message + outcome.output).toBe('applied');
      expect(outcome.message).toMatch(
        /^Rolled back: 6 public views point at the tables of the deployment of `aaaaaaa` again; nothing was rebuilt\.$/,
      );
      expect(outcome.steps.map((s) => s.name)).not.toContain('build');
      const now = await viewTarget('daily_revenue');
      expect(now).not.toBe(restored);
      expect(now).toBe(
        `sluice_shop.${previous.models.find((m) => m.name === 'daily_revenue')?.physical.identifier}`,
      );
    });

    it('reuses the tables of an earlier deployment when the code goes back to it (a revert)', async () => {
      const outcome = await apply(await checkout(), 'd'.repeat(40));
      expect(outcome.status).toBe('applied');
      expect(outcome.message).toContain('0 built, 6 unchanged and reused');
    });

    it('keeps secrets passed to dbt out of everything it returns', async () => {
      const outcome = await apply(
        await checkout((dir) =>
          editFile(dir, 'models/marts/daily_revenue.sql', (t) =>
            t.replace('order_date', 'order_date, \'{{ env_var("SHOP_PASSWORD") }}\' as leaked'),
          ),
        ),
        'e'.repeat(40),
      );
      const everything = JSON.stringify(outcome);
      expect(everything).not.toContain(SECRET);
    });

    it("drops a closed pull request's schemas and leaves the others, waiting while the warehouse is busy", async () => {
      const dir = await checkout();
      // Someone else has the DuckDB file open for writing for a few seconds: dbt cannot open it meanwhile.
      const holder = run(python(tool), [
        '-c',
        "import duckdb, sys, time\nc = duckdb.connect(sys.argv[1])\nfor s in ['pr_7', 'pr_7_marts', 'pr_77']:\n  c.execute(f'create schema {s}'); c.execute(f'create table {s}.t as select 1 as x')\nc.commit()\nprint('held', flush=True)\ntime.sleep(15)",
        warehouse,
      ]);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      const dropped = await dropSchemas({
        ...session(dir),
        prefix: 'pr_7',
        choose: (schemas) => schemasOf('pr_7', schemas),
      });
      await holder;
      expect(dropped).toEqual({ ok: true, dropped: ['pr_7', 'pr_7_marts'] });
      const schemas = await query(
        tool,
        warehouse,
        "select schema_name from information_schema.schemata where schema_name like 'pr_%' order by 1",
      );
      expect(schemas).toEqual([['pr_77']]);
    });
  },
);

function python(tool: DbtToolInfo): string {
  return join(tool.venvDir ?? '', 'bin', 'python');
}
