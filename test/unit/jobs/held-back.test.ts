import { describe, expect, it } from 'vitest';
import { heldBack } from '../../../src/jobs/held-back.js';
import { applyOrder, type OrderedProject } from '../../../src/projects/apply-order.js';

const p = (name: string, extra: Omit<OrderedProject, 'name'> = {}): OrderedProject => ({ name, ...extra });

/** Simulates one apply run: projects in `fails` fail; the rest apply unless held back. */
function simulate(projects: OrderedProject[], fails: string[], notPlanned: string[] = []): string[] {
  const notApplied = new Set([...projects.map((x) => x.name), ...notPlanned]);
  const notAppliedInRun: OrderedProject[] = [];
  return applyOrder(projects).map((project) => {
    const held = heldBack(project, notApplied, notAppliedInRun);
    if (held || fails.includes(project.name)) {
      notAppliedInRun.push(project);
      return `${project.name}: ${held ? held.status : 'failed'}`;
    }
    notApplied.delete(project.name);
    return `${project.name}: applied`;
  });
}

describe('an apply run held back by its order', () => {
  it.each<[string, OrderedProject[], string[], string[], string[]]>([
    [
      'everything applies in order',
      [p('app', { dependsOn: ['net'] }), p('net'), p('models', { type: 'dbt' })],
      [],
      [],
      ['net: applied', 'app: applied', 'models: applied'],
    ],
    [
      'a failed dependency holds back what depends on it, directly or not',
      [p('app', { dependsOn: ['net'] }), p('dash', { dependsOn: ['app'] }), p('net'), p('dns')],
      ['net'],
      [],
      [
        'net: failed',
        'app: Not applied: waiting for net',
        'dash: Not applied: waiting for app',
        'dns: applied',
      ],
    ],
    [
      'a failure stops later groups, not the rest of its own',
      [p('a'), p('b'), p('c', { executionOrderGroup: 1 })],
      ['a'],
      [],
      ['a: failed', 'b: applied', 'c: Not applied: an earlier group failed (a)'],
    ],
    [
      'a dependency of this PR that had no successful plan holds back its dependents',
      [p('app', { dependsOn: ['net'] }), p('dns')],
      [],
      ['net'],
      ['app: Not applied: waiting for net', 'dns: applied'],
    ],
    [
      'dbt that a failed Terraform project feeds waits for it',
      [p('models', { type: 'dbt', dependsOn: ['warehouse'] }), p('warehouse')],
      ['warehouse'],
      [],
      ['warehouse: failed', 'models: Not applied: waiting for warehouse'],
    ],
  ])('%s', (_, projects, fails, notPlanned, expected) => {
    expect(simulate(projects, fails, notPlanned)).toEqual(expected);
  });

  it('tells the reader what to do', () => {
    const held = heldBack(p('app', { dependsOn: ['net'] }), new Set(['net']), []);
    expect(held?.message).toBe(
      'Not applied: waiting for `net`. This project depends on it (`depends_on`), and it is not applied: failed in this run, had no successful plan, or was not part of this apply. Once it is applied, comment `sluice apply`.',
    );
  });
});
