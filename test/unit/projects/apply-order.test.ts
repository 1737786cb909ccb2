import { describe, expect, it } from 'vitest';
import {
  applyBatches,
  applyOrder,
  failedEarlierGroups,
  type OrderedProject,
  waitingFor,
} from '../../../src/projects/apply-order.js';

const p = (name: string, extra: Omit<OrderedProject, 'name'> = {}): OrderedProject => ({ name, ...extra });

describe('applyOrder', () => {
  it.each<[string, OrderedProject[], string[]]>([
    ['nothing', [], []],
    ['no settings: the order given', [p('b'), p('a'), p('c')], ['b', 'a', 'c']],
    [
      'groups ascending',
      [p('a', { executionOrderGroup: 2 }), p('b'), p('c', { executionOrderGroup: 1 })],
      ['b', 'c', 'a'],
    ],
    ['negative groups first', [p('a'), p('b', { executionOrderGroup: -1 })], ['b', 'a']],
    ['a dependency first within a group', [p('app', { dependsOn: ['net'] }), p('net')], ['net', 'app']],
    [
      'a chain of dependencies',
      [p('a', { dependsOn: ['b'] }), p('b', { dependsOn: ['c'] }), p('c')],
      ['c', 'b', 'a'],
    ],
    [
      'a diamond',
      [
        p('top', { dependsOn: ['l', 'r'] }),
        p('r', { dependsOn: ['base'] }),
        p('l', { dependsOn: ['base'] }),
        p('base'),
      ],
      ['base', 'r', 'l', 'top'],
    ],
    [
      'a dependency outside the run orders nothing',
      [p('app', { dependsOn: ['elsewhere'] }), p('x')],
      ['app', 'x'],
    ],
    [
      'a dependency in a later group still comes first',
      [p('app', { dependsOn: ['net'] }), p('net', { executionOrderGroup: 1 }), p('other')],
      ['other', 'net', 'app'],
    ],
    ['Terraform before dbt', [p('models', { type: 'dbt' }), p('infra')], ['infra', 'models']],
    [
      'dbt first when Terraform depends on it',
      [p('infra', { dependsOn: ['models'] }), p('models', { type: 'dbt' })],
      ['models', 'infra'],
    ],
    [
      'the group decides before the type',
      [p('infra', { executionOrderGroup: 1 }), p('models', { type: 'dbt' })],
      ['models', 'infra'],
    ],
    [
      'equal places keep the order given',
      [
        p('z', { executionOrderGroup: 1 }),
        p('y', { executionOrderGroup: 1 }),
        p('x', { executionOrderGroup: 1 }),
      ],
      ['z', 'y', 'x'],
    ],
    [
      'a cycle (refused at parse) falls back to the order given',
      [p('a', { dependsOn: ['b'] }), p('b', { dependsOn: ['a'] }), p('c')],
      ['c', 'a', 'b'],
    ],
  ])('%s', (_, projects, expected) => {
    expect(applyOrder(projects).map((x) => x.name)).toEqual(expected);
  });

  it('keeps the items it was given', () => {
    const items = [
      { name: 'a', planKey: 'k1' },
      { name: 'b', planKey: 'k2', dependsOn: [] },
    ];
    expect(applyOrder(items)).toEqual([items[0], items[1]]);
  });
});

describe('waitingFor', () => {
  it.each<[string, OrderedProject, string[], string[]]>([
    ['no dependencies', p('a'), ['x'], []],
    ['dependencies applied', p('a', { dependsOn: ['b'] }), ['x'], []],
    ['a dependency not applied', p('a', { dependsOn: ['b', 'c'] }), ['c'], ['c']],
    ['several', p('a', { dependsOn: ['b', 'c'] }), ['b', 'c'], ['b', 'c']],
    ['never itself', p('a', { dependsOn: ['a'] }), ['a'], []],
  ])('%s', (_, project, notApplied, expected) => {
    expect(waitingFor(project, new Set(notApplied))).toEqual(expected);
  });
});

describe('failedEarlierGroups', () => {
  it.each<[string, OrderedProject, OrderedProject[], string[]]>([
    ['nothing failed', p('a', { executionOrderGroup: 2 }), [], []],
    [
      'a failure in a lower group',
      p('a', { executionOrderGroup: 2 }),
      [p('x', { executionOrderGroup: 1 })],
      ['x'],
    ],
    [
      'a failure in the same group',
      p('a', { executionOrderGroup: 1 }),
      [p('x', { executionOrderGroup: 1 })],
      [],
    ],
    ['a failure in a higher group', p('a'), [p('x', { executionOrderGroup: 1 })], []],
    ['default group 0', p('a', { executionOrderGroup: 1 }), [p('x')], ['x']],
  ])('%s', (_, project, failed, expected) => {
    expect(failedEarlierGroups(project, failed)).toEqual(expected);
  });
});

describe('applyBatches', () => {
  const names = (batches: OrderedProject[][]) => batches.map((b) => b.map((x) => x.name));

  it.each<[string, OrderedProject[], boolean, string[][]]>([
    ['nothing', [], true, []],
    ['sequential: one at a time, in order', [p('a'), p('b'), p('c')], false, [['a'], ['b'], ['c']]],
    ['parallel: independent projects together', [p('a'), p('b'), p('c')], true, [['a', 'b', 'c']]],
    [
      'parallel: a dependency runs one batch earlier',
      [p('net'), p('app', { dependsOn: ['net'] }), p('db')],
      true,
      [['net', 'db'], ['app']],
    ],
    [
      'parallel: a chain stays a chain',
      [p('c'), p('b', { dependsOn: ['c'] }), p('a', { dependsOn: ['b'] })],
      true,
      [['c'], ['b'], ['a']],
    ],
    [
      'parallel: a diamond in three batches',
      [
        p('base'),
        p('l', { dependsOn: ['base'] }),
        p('r', { dependsOn: ['base'] }),
        p('top', { dependsOn: ['l', 'r'] }),
      ],
      true,
      [['base'], ['l', 'r'], ['top']],
    ],
    [
      'parallel: groups never share a batch',
      [p('a'), p('b'), p('c', { executionOrderGroup: 1 }), p('d', { executionOrderGroup: 1 })],
      true,
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
    ],
    [
      'parallel: Terraform before dbt, not beside it',
      [p('infra'), p('models', { type: 'dbt' }), p('marts', { type: 'dbt' })],
      true,
      [['infra'], ['models', 'marts']],
    ],
    [
      'parallel: a dependency outside the run orders nothing',
      [p('a', { dependsOn: ['elsewhere'] }), p('b')],
      true,
      [['a', 'b']],
    ],
    [
      'parallel: a dependency in an earlier group needs no extra batch',
      [
        p('net'),
        p('app', { executionOrderGroup: 1, dependsOn: ['net'] }),
        p('web', { executionOrderGroup: 1 }),
      ],
      true,
      [['net'], ['app', 'web']],
    ],
  ])('%s', (_, projects, parallel, expected) => {
    expect(names(applyBatches(applyOrder(projects), parallel))).toEqual(expected);
  });
});
