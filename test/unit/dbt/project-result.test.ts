import { describe, expect, it } from 'vitest';
import { GENERIC_CHANGE_REQUEST } from '../../../src/comments/change-request.js';
import { kindMarker } from '../../../src/comments/markers.js';
import { renderPlanComment } from '../../../src/comments/render.js';
import { buildPlanView } from '../../../src/comments/view.js';
import type { DbtPlanResult, NodeChange } from '../../../src/dbt/plan-result.js';
import { dbtProjectResult, dbtStatusDescription } from '../../../src/dbt/project-result.js';
import { HEAD_SHA, NETWORK_PLAN, NETWORK_SUMMARY, planned, project } from '../../golden/fixtures.js';

const none = () => ({ passed: 0, failed: 0, warned: 0, errored: 0, skipped: 0 });

const change = (name: string, over: Partial<NodeChange> = {}): NodeChange => ({
  uniqueId: `model.shop.${name}`,
  name,
  resourceType: 'model',
  reasons: ['body'],
  category: 'non-breaking',
  details: [],
  columns: { added: ['is_recent'], removed: [], typeChanged: [] },
  applyAction: 'replace view',
  ...over,
});

function dbt(over: Partial<DbtPlanResult> = {}): DbtPlanResult {
  return {
    project: { name: 'shop', dir: 'shop', workspace: 'default', type: 'dbt', reason: 'changed' },
    status: 'planned',
    headSha: HEAD_SHA,
    baseManifestHash: 'b27ed7ca3b6b0000000000000000000000000000000000000000000000000000',
    bootstrap: false,
    schema: 'pr_7',
    versions: { dbt: '1.11.16', adapter: { name: 'duckdb', version: '1.11.1' } },
    changes: [change('stg_orders')],
    downstream: [
      change('customer_orders', {
        reasons: [],
        category: 'indirect',
        columns: undefined,
        applyAction: 'rebuild table',
        upstreamChanges: ['model.shop.stg_orders'],
      }),
    ],
    exposures: [],
    testChanges: { added: [], removed: [], changed: [] },
    breaking: [],
    tests: none(),
    unitTests: none(),
    failures: [],
    sqlDiffs: [],
    edges: [['model.shop.stg_orders', 'model.shop.customer_orders']],
    notes: [],
    steps: [],
    durationMs: 3000,
    ...over,
  };
}

const BREAKING = '`customer_orders`: column `order_count` removed from the enforced contract';

describe('a dbt plan as a project result', () => {
  it.each([
    ['planned', dbt(), 'planned', '1 changed, 1 downstream'],
    ['nothing changed', dbt({ changes: [], downstream: [] }), 'planned', 'No dbt changes'],
    [
      'breaking',
      dbt({ status: 'failed', breaking: [BREAKING, 'another'] }),
      'failed',
      'Breaking change: customer_orders: column order_count removed from the enforced contract (and 1 more)',
    ],
    [
      'a failed node',
      dbt({
        status: 'failed',
        failures: [
          { uniqueId: 'test.x', name: 'not_null_x', resourceType: 'test', status: 'fail', message: 'm' },
          { uniqueId: 'model.y', name: 'y', resourceType: 'model', status: 'skipped', message: '' },
        ],
      }),
      'failed',
      '1 failed in the zero-row build: not_null_x',
    ],
    [
      'could not plan',
      dbt({ status: 'error', error: { step: 'parse', message: 'Parsing Error\n  in `x.yml`', output: '' } }),
      'failed',
      'dbt could not plan (at parse): Parsing Error',
    ],
    ['cancelled', dbt({ status: 'cancelled' }), 'cancelled', 'Cancelled'],
  ] as const)('%s', (_name, result, status, description) => {
    const project = dbtProjectResult(result);
    expect(project.status).toBe(status);
    expect(project.tool).toEqual({ name: 'dbt', version: '1.11.16' });
    expect(project.dbt).toBe(result);
    expect(status === 'failed' ? project.error?.message : undefined).toBe(
      status === 'failed' ? (result.error?.message ?? description) : undefined,
    );
    expect(dbtStatusDescription(result)).toBe(description);
  });
});

describe('a plan comment with Terraform and dbt projects', () => {
  const render = (results: Parameters<typeof buildPlanView>[0]['results'], mermaid: boolean) =>
    renderPlanComment(
      buildPlanView({
        headSha: HEAD_SHA,
        results,
        commandHint: 'sluice plan',
        changeRequest: GENERIC_CHANGE_REQUEST,
        mermaid,
      }),
      { maxLength: 65_536, marker: kindMarker('plan') },
    );

  it('counts each in the headline and renders the dbt plan inside its section', async () => {
    const [body] = await render(
      [planned(project('envs/network'), NETWORK_PLAN, NETWORK_SUMMARY), dbtProjectResult(dbt())],
      true,
    );
    expect(body).toMatch(
      /^## 2 projects planned: \d+ to add, \d+ to change, \d+ to destroy; dbt: 1 change, 1 downstream$/m,
    );
    expect(body).toContain('OpenTofu 1.8.5 · dbt 1.11.16');
    expect(body).toContain(
      '### `shop`\n\n**dbt plan for `shop`: 1 change, 1 downstream, 0 exposures affected**',
    );
    // The section's own heading is the project's; renderDbtPlan's is not repeated.
    expect(body).not.toContain('### dbt plan');
    expect(body).toContain('| `stg_orders` | SQL changed | non-breaking | +`is_recent` |');
    expect(body).toContain('```mermaid');
    expect(body).toContain('To apply: approve and merge.');
  });

  it('draws the lineage as text where the forge has no Mermaid', async () => {
    const [body] = await render([dbtProjectResult(dbt())], false);
    expect(body).toMatch(/^## 1 project planned: dbt: 1 change, 1 downstream$/m);
    expect(body).not.toContain('```mermaid');
    expect(body).toContain('```text');
  });

  it('says no changes when neither tool has any', async () => {
    const [body] = await render([dbtProjectResult(dbt({ changes: [], downstream: [], edges: [] }))], true);
    expect(body).toMatch(/^## 1 project planned: no changes$/m);
    expect(body).toContain('Nothing to apply.');
  });

  it('fails a breaking dbt plan in its own section only', async () => {
    const [body] = await render(
      [
        planned(project('envs/network'), NETWORK_PLAN, NETWORK_SUMMARY),
        dbtProjectResult(dbt({ status: 'failed', breaking: [BREAKING] })),
      ],
      true,
    );
    expect(body).toMatch(/^## 1 of 2 projects failed$/m);
    expect(body).toContain('**dbt plan failed for `shop`: 1 breaking change');
    expect(body).toContain('**Breaking change — this plan fails.**');
    expect(body?.match(/Breaking change — this plan fails/g)).toHaveLength(1);
  });
});
