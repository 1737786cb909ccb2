import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findDbtTool } from '../../src/runner/dbt/dbt-tool.js';
import { dbtProductionKey } from '../../src/store/keys.js';
import { RedisStore } from '../../src/store/redis/redis-store.js';
import { stableId } from '../fakes/shared/ids.js';
import { copyShop, parseProject, shopRepoFiles } from '../integration/dbt-support.js';
import { type Harness, OWNER, REPO, startHarness } from '../support/harness.js';

const network = (resources: number) =>
  Array.from(
    { length: resources },
    (_, i) => `resource "terraform_data" "net_${i}" {\n  input = "net-${i}"\n}\n`,
  ).join('\n');

function edited(files: Record<string, string>, path: string, edit: (text: string) => string): string {
  const before = files[path];
  if (before === undefined) throw new Error(`no ${path} in the fixture`);
  const after = edit(before);
  if (after === before) throw new Error(`editing ${path} changed nothing`);
  return after;
}

describe.skipIf(process.env.SLUICE_SKIP_DBT === '1')(
  'dbt and Terraform in one pull request on github with the redis backend, end to end',
  () => {
    let h: Harness;
    let shop: Record<string, string>;

    beforeAll(async () => {
      shop = await shopRepoFiles();
      // Both PRs touch `shop`; locking is covered in apply.scenarios.test.ts.
      h = await startHarness({
        forge: 'github',
        backend: 'redis',
        initialFiles: { 'network/main.tf': network(1), ...shop },
        env: { SLUICE_LOCK_MODE: 'off' },
      });
    });
    afterEach(() => h.forge.assertNoViolations());
    afterAll(async () => {
      await h?.close();
    });

    it('plans a Terraform root and a dbt project into one comment with a section each', async () => {
      const pr = await h.openPullRequest(1, {
        'network/main.tf': network(2),
        'shop/models/staging/stg_orders.sql': edited(shop, 'shop/models/staging/stg_orders.sql', (t) =>
          t.replace('  status\n', "  status,\n  order_date >= date '2024-02-01' as is_recent\n"),
        ),
      });
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
      const comments = h.planComments(1);
      expect(comments).toHaveLength(1);
      const body = comments[0]?.body ?? '';
      expect(body).toMatch(/## 2 projects planned: 2 to add, 0 to change, 0 to destroy; dbt: \d+ changes?/);
      expect(body).toContain('### `network`');
      expect(body).toContain('terraform_data.net_1');
      expect(body).toContain('### `shop`');
      // No production manifest yet: everything is new, built with zero rows into the PR's schema.
      expect(body).toContain('no production manifest (bootstrap)');
      expect(body).toContain('zero-row build in schema `pr_1`');
      expect(body).toContain('| model | reason | category | columns ± | tests | what apply will do |');
      expect(body).toMatch(/\| `stg_orders` \| new/);
      // GitHub renders Mermaid.
      expect(body).toContain('```mermaid');
      const statuses = h.forge.latestStatuses(pr.headSha);
      expect(statuses.get('sluice/plan: network')?.state).toBe('success');
      expect(statuses.get('sluice/plan: shop')).toMatchObject({ state: 'success' });
      expect(statuses.get('sluice/plan: shop')?.description).toMatch(/\d+ changed, \d+ downstream/);
    });

    it("fails only the dbt project's status when a change breaks an enforced contract", async () => {
      // Production as an apply would leave it: the manifest of the base branch's project.
      const scratch = await mkdtemp(join(tmpdir(), 'sluice-dbt-prod-'));
      const store = new RedisStore({ url: h.settings.redisUrl ?? '', prefix: h.settings.redisPrefix });
      try {
        await copyShop(join(scratch, 'shop'));
        const manifest = await parseProject(
          await findDbtTool(),
          join(scratch, 'shop'),
          join(scratch, 'target'),
        );
        const repo = {
          forge: 'github',
          id: String(stableId(`repo:${OWNER}/${REPO}`)),
          owner: OWNER,
          name: REPO,
          fullName: `${OWNER}/${REPO}`,
        };
        await store.dbt.putProduction(dbtProductionKey(repo, { name: 'shop' }), {
          manifest,
          sha: (await h.origin.git('rev-parse', 'main')).trim(),
          storedAt: new Date().toISOString(),
        });
      } finally {
        await store.close();
        await rm(scratch, { recursive: true, force: true });
      }

      const pr = await h.openPullRequest(2, {
        'network/main.tf': network(3),
        'shop/models/marts/customer_orders.sql': edited(shop, 'shop/models/marts/customer_orders.sql', (t) =>
          t.replace('  count(o.order_id) as order_count,\n', ''),
        ),
        'shop/models/marts/_marts.yml': edited(shop, 'shop/models/marts/_marts.yml', (t) =>
          t
            .replace('      - name: order_count\n        data_type: bigint\n', '')
            .replace(/, order_count: \d/g, ''),
        ),
      });
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'failure' });
      const statuses = h.forge.latestStatuses(pr.headSha);
      expect(statuses.get('sluice/plan: network')?.state).toBe('success');
      expect(statuses.get('sluice/plan: shop')).toMatchObject({
        state: 'failure',
        description: expect.stringMatching(
          /^Breaking change: customer_orders: column order_count removed from the enforced contract/,
        ),
      });
      expect(statuses.get('sluice/plan')?.description).toBe('1 of 2 projects could not be planned');
      const body = h.planComments(2)[0]?.body ?? '';
      expect(body).toContain('dbt plan failed for `shop`: 1 breaking change');
      expect(body).toContain('**Breaking change — this plan fails.**');
      expect(body).toContain('against production manifest');
      expect(body).toContain('3 to add, 0 to change, 0 to destroy');
    });
  },
);
