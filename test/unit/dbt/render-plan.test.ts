import { describe, expect, it } from 'vitest';
import type { DbtPlanResult, NodeChange } from '../../../src/dbt/plan-result.js';
import { renderDbtPlan } from '../../../src/dbt/render-plan.js';

const counts = (passed = 0, failed = 0) => ({ passed, failed, warned: 0, errored: 0, skipped: 0 });

function result(over: Partial<DbtPlanResult> = {}): DbtPlanResult {
  return {
    project: { name: 'analytics', dir: 'analytics', workspace: 'default', type: 'dbt', reason: 'changed' },
    status: 'failed',
    headSha: 'abcdef0123456789',
    baseManifestHash: '64f18d76a9021e90dea048e681c2cdfb857083491e621a43734270d8b6fdc096',
    bootstrap: false,
    schema: 'pr_7',
    versions: { dbt: '1.11.16', adapter: { name: 'duckdb', version: '1.11.1' }, python: '3.11.7' },
    changes: [
      {
        uniqueId: 'model.shop.customer_orders',
        name: 'customer_orders',
        resourceType: 'model',
        reasons: ['body', 'contract'],
        category: 'breaking',
        details: ['column `order_count` removed from the enforced contract'],
        columns: { added: [], removed: ['order_count'], typeChanged: [] },
        tests: counts(0, 1),
        applyAction: 'rebuild table',
      },
      {
        uniqueId: 'model.shop.stg_orders',
        name: 'stg_orders',
        resourceType: 'model',
        reasons: ['body'],
        category: 'non-breaking',
        details: [],
        columns: {
          added: ['is_recent'],
          removed: [],
          typeChanged: [{ name: 'amount', from: 'INTEGER', to: 'DECIMAL(12,2)' }],
        },
        tests: counts(3),
        applyAction: 'replace view',
      },
      {
        uniqueId: 'seed.shop.orders',
        name: 'orders',
        resourceType: 'seed',
        reasons: ['description'],
        category: 'metadata-only',
        details: [],
        applyAction: 'nothing to rebuild (documentation only)',
      },
    ],
    downstream: [
      {
        uniqueId: 'model.shop.daily_revenue',
        name: 'daily_revenue',
        resourceType: 'model',
        reasons: [],
        category: 'indirect',
        details: [],
        columns: { added: [], removed: [], typeChanged: [] },
        tests: counts(1),
        applyAction: 'rebuild table',
        upstreamChanges: ['model.shop.stg_orders'],
      },
    ],
    exposures: [
      {
        uniqueId: 'exposure.shop.customer_dashboard',
        name: 'customer_dashboard',
        label: 'Customer "dashboard"',
        type: 'dashboard',
        dependsOnChanges: ['model.shop.customer_orders'],
      },
    ],
    testChanges: { added: ['not_null_stg_orders_amount'], removed: [], changed: [] },
    breaking: ['`customer_orders`: column `order_count` removed from the enforced contract'],
    tests: counts(4),
    unitTests: counts(0, 1),
    failures: [
      {
        uniqueId: 'unit_test.shop.customer_orders.counts_orders_per_customer',
        name: 'customer_orders::counts_orders_per_customer',
        resourceType: 'unit_test',
        status: 'fail',
        message: 'actual differs from expected:\n\n@@ ,customer_id,order_count\n→ ,2          ,0→1',
      },
      {
        uniqueId: 'test.shop.accepted_values_orders_status',
        name: 'accepted_values_orders_status',
        resourceType: 'test',
        status: 'fail',
        message: 'Got 2 results, configured to fail if != 0',
        failures: 2,
      },
      {
        uniqueId: 'model.shop.customer_orders',
        name: 'customer_orders',
        resourceType: 'model',
        status: 'skipped',
        message: '',
      },
    ],
    sqlDiffs: [
      {
        uniqueId: 'model.shop.stg_orders',
        name: 'stg_orders',
        diff: "@@ -1,2 +1,3 @@\n select\n-  status\n+  status,\n+  order_date >= date '2024-01-01' as is_recent",
        baseFrom: 'compiled',
      },
    ],
    edges: [
      ['model.shop.customer_orders', 'exposure.shop.customer_dashboard'],
      ['model.shop.stg_orders', 'model.shop.customer_orders'],
      ['model.shop.stg_orders', 'model.shop.daily_revenue'],
    ],
    notes: ['Data tests ran on zero rows.'],
    steps: [],
    durationMs: 1000,
    ...over,
  };
}

describe('renderDbtPlan', () => {
  it('renders a failed plan with a Mermaid lineage (golden)', async () => {
    await expect(renderDbtPlan(result(), { mermaid: true })).toMatchFileSnapshot(
      'golden/breaking-mermaid.md.golden',
    );
  });

  it('renders the lineage as a text tree where Mermaid does not render (golden)', async () => {
    const planned = result({
      status: 'planned',
      breaking: [],
      failures: [],
      changes: result().changes.slice(1),
    });
    await expect(renderDbtPlan(planned, { mermaid: false })).toMatchFileSnapshot(
      'golden/planned-text-tree.md.golden',
    );
  });

  it('renders "could not plan" with the reason and the output folded (golden)', async () => {
    const error = result({
      status: 'error',
      changes: [],
      downstream: [],
      exposures: [],
      breaking: [],
      failures: [],
      sqlDiffs: [],
      error: {
        step: 'parse',
        message:
          "Compilation Error\n  Model 'model.shop.bad' depends on a node named 'nope' which was not found",
        output: '17:12:24  Encountered an error:\nCompilation Error',
      },
    });
    await expect(renderDbtPlan(error, { mermaid: true })).toMatchFileSnapshot(
      'golden/could-not-plan.md.golden',
    );
  });

  it('cuts the table and the lineage off with "N more"', () => {
    const many: NodeChange[] = Array.from({ length: 12 }, (_, i) => ({
      uniqueId: `model.shop.m${i}`,
      name: `m${i}`,
      resourceType: 'model',
      reasons: [],
      category: 'indirect',
      details: [],
      applyAction: 'rebuild table',
    }));
    const text = renderDbtPlan(
      result({
        downstream: many,
        edges: many.map((m) => ['model.shop.stg_orders', m.uniqueId] as [string, string]),
      }),
      { mermaid: true, maxRows: 5, maxLineageNodes: 4 },
    );
    expect(text).toContain('_10 more not shown._');
    expect(text).toMatch(/_\d+ more not shown\._\n\n\*\*Failed/);
    expect(text.match(/^ {2}n\d+\[/gm)).toHaveLength(4);
  });

  it('escapes names from the PR in the table, the lineage and the summary', () => {
    const evil = '<img src=x> | @someone';
    const base = result();
    const [first, ...rest] = base.changes;
    if (!first) throw new Error('fixture');
    const text = renderDbtPlan(
      result({
        changes: [{ ...first, name: evil }, ...rest],
        sqlDiffs: [{ ...(base.sqlDiffs[0] as DbtPlanResult['sqlDiffs'][number]), name: evil }],
      }),
      { mermaid: true },
    );
    // Only inside code (spans or fences) may the raw text appear.
    const outsideCode = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
    expect(outsideCode).not.toContain('<img');
    expect(outsideCode).not.toMatch(/(?<!&#8203;)@someone/);
    expect(text).toContain('<code>&lt;img src=x&gt; | @&#8203;someone</code>');
    for (const line of text.split('\n').filter((l) => l.startsWith('| `<img'))) {
      expect(line.split(/(?<!\\)\|/).length).toBe(8);
    }
  });
});
