import { describe, expect, it } from 'vitest';
import { actionOf, summarizePlan } from '../../../src/runner/terraform/summarize-plan.js';

const change = (address: string, actions: string[]) => ({ address, mode: 'managed', change: { actions } });

describe('summarizePlan', () => {
  it.each([
    [['create'], 'create'],
    [['update'], 'update'],
    [['delete'], 'delete'],
    [['delete', 'create'], 'replace'],
    [['create', 'delete'], 'replace'],
    [['read'], 'read'],
    [['no-op'], 'no-op'],
    [['forget'], 'no-op'],
  ])('%j is %s', (actions, action) => {
    expect(actionOf(actions)).toBe(action);
  });

  it('counts like the tool: a replacement adds one and destroys one', () => {
    const summary = summarizePlan(
      JSON.stringify({
        resource_changes: [
          change('terraform_data.a', ['create']),
          change('terraform_data.b', ['update']),
          change('terraform_data.c', ['delete', 'create']),
          change('terraform_data.d', ['no-op']),
          change('data.x.y', ['read']),
          change('module.m.terraform_data.e', ['delete']),
        ],
        output_changes: { url: { actions: ['update'] }, same: { actions: ['no-op'] } },
      }),
    );
    expect(summary).toEqual({
      add: 2,
      change: 1,
      destroy: 2,
      replace: 1,
      outputChanges: ['url'],
      resources: [
        { address: 'terraform_data.a', action: 'create' },
        { address: 'terraform_data.b', action: 'update' },
        { address: 'terraform_data.c', action: 'replace' },
        { address: 'module.m.terraform_data.e', action: 'delete' },
      ],
      noChanges: false,
    });
  });

  it('reports no changes when only no-ops and reads are planned', () => {
    const summary = summarizePlan(
      JSON.stringify({ resource_changes: [change('terraform_data.a', ['no-op'])] }),
    );
    expect(summary.noChanges).toBe(true);
    expect(summary.add + summary.change + summary.destroy).toBe(0);
  });
});
