import { describe, expect, it } from 'vitest';
import {
  differencesFromPlan,
  parseState,
  sameIdentity,
  stateIdentity,
} from '../../../src/runner/terraform/state-document.js';
import { parseLockInfo } from '../../../src/runner/terraform/state-probe.js';

const plan = JSON.stringify({
  resource_changes: [
    {
      address: 'terraform_data.a',
      mode: 'managed',
      type: 'terraform_data',
      name: 'a',
      change: {
        actions: ['create'],
        after: { input: 'a', triggers_replace: null },
        after_unknown: { id: true },
      },
    },
    {
      address: 'module.m.terraform_data.b[1]',
      module_address: 'module.m',
      mode: 'managed',
      type: 'terraform_data',
      name: 'b',
      index: 1,
      change: { actions: ['update'], after: { input: { x: [1, 2] } }, after_unknown: {} },
    },
    {
      address: 'terraform_data.gone',
      mode: 'managed',
      type: 'terraform_data',
      name: 'gone',
      change: { actions: ['delete'], after: null },
    },
    { address: 'terraform_data.same', type: 'terraform_data', name: 'same', change: { actions: ['no-op'] } },
  ],
});

const state = (resources: unknown[], serial = 5) =>
  JSON.stringify({ version: 4, serial, lineage: 'l-1', resources });
const a = {
  mode: 'managed',
  type: 'terraform_data',
  name: 'a',
  instances: [{ attributes: { id: 'x', input: 'a' } }],
};
const b = (input: unknown, status?: string) => ({
  module: 'module.m',
  mode: 'managed',
  type: 'terraform_data',
  name: 'b',
  instances: [{ index_key: 1, status, attributes: { input } }],
});

describe('state identity', () => {
  it('reads lineage and serial; no state (empty, or no lineage) is null', () => {
    expect(stateIdentity(parseState(state([], 7)))).toEqual({ lineage: 'l-1', serial: 7 });
    expect(stateIdentity(parseState(''))).toBeNull();
    expect(stateIdentity(parseState('{"version":4,"serial":0,"lineage":""}'))).toBeNull();
    expect(stateIdentity(parseState('not json'))).toBeNull();
    expect(sameIdentity(null, null)).toBe(true);
    expect(sameIdentity({ lineage: 'l', serial: 1 }, { lineage: 'l', serial: 1 })).toBe(true);
    expect(sameIdentity({ lineage: 'l', serial: 1 }, { lineage: 'l', serial: 2 })).toBe(false);
    expect(sameIdentity(null, { lineage: 'l', serial: 1 })).toBe(false);
  });
});

describe('differencesFromPlan', () => {
  it('is empty when the state holds exactly what the plan makes', () => {
    expect(differencesFromPlan(plan, parseState(state([a, b({ x: [1, 2] })])))).toEqual([]);
  });

  it.each([
    ['a created resource is missing', [b({ x: [1, 2] })], '`terraform_data.a` should exist'],
    ['an attribute is not the planned value', [a, b({ x: [1] })], '`input` is not the planned value'],
    ['a resource is tainted', [a, b({ x: [1, 2] }, 'tainted')], 'is tainted'],
    [
      'a destroyed resource is still there',
      [a, b({ x: [1, 2] }), { mode: 'managed', type: 'terraform_data', name: 'gone', instances: [{}] }],
      'should be destroyed',
    ],
  ])('names the difference when %s', (_, resources, expected) => {
    const found = differencesFromPlan(plan, parseState(state(resources)));
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });
});

describe('parseLockInfo', () => {
  it("reads the holder from the tool's lock error, box drawing and colours included", () => {
    const output = [
      '\u001b[31m│\u001b[0m \u001b[0mError message: HTTP remote state already locked:',
      '│ ID=1f89fbc3-4bdc-b520-7dba-63312abaedf7',
      '│ Lock Info:',
      '│   ID:        1f89fbc3-4bdc-b520-7dba-63312abaedf7',
      '│   Path:      ',
      '│   Operation: OperationTypeApply',
      '│   Who:       root@sluice-abc123',
      '│   Created:   2026-12-08 01:20:47.86978459 +0000 UTC',
    ].join('\n');
    expect(parseLockInfo(output)).toEqual({
      id: '1f89fbc3-4bdc-b520-7dba-63312abaedf7',
      who: 'root@sluice-abc123',
      operation: 'OperationTypeApply',
      created: '2026-12-08 01:20:47.86978459 +0000 UTC',
    });
    expect(parseLockInfo('Error: something else')).toBeUndefined();
  });
});
