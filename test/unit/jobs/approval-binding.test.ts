import { describe, expect, it } from 'vitest';
import { unmetRequirements } from '../../../src/jobs/apply-requirements.js';
import {
  type TimedApproval,
  type UnapprovedPlan,
  unapprovedPlans,
} from '../../../src/jobs/approval-binding.js';
import { appendPlanRecord, terraformPlanIdentity } from '../../../src/jobs/plan-identity.js';
import type { PlanRecord } from '../../../src/store/types.js';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const C = 'c'.repeat(64);
/** A plan record: content id, inputs, and the second of the minute it was recorded. */
const plan = (id: string, inputs: string, second: number): PlanRecord => ({
  id,
  inputs,
  at: `2026-01-01T10:00:${String(second).padStart(2, '0')}.500Z`,
});
/** An approval at a whole second, as GitHub reports it. */
const approval = (second?: number): TimedApproval => ({
  user: 'reviewer',
  ...(second === undefined ? {} : { at: `2026-01-01T10:00:${String(second).padStart(2, '0')}Z` }),
});

describe('which plans an approval covers', () => {
  it.each<[string, PlanRecord[] | undefined, TimedApproval[], UnapprovedPlan[]]>([
    ['an approval after the only plan covers it', [plan(A, 'x', 10)], [approval(20)], []],
    ['an approval in the same second as the plan covers it', [plan(A, 'x', 10)], [approval(10)], []],
    [
      'an approval before the only plan does not',
      [plan(A, 'x', 10)],
      [approval(5)],
      [{ name: 'prod', plan: 'aaaaaaaa' }],
    ],
    [
      're-planned with other inputs after the approval: approve again',
      [plan(A, 'x', 10), plan(B, 'y', 30)],
      [approval(20)],
      [{ name: 'prod', plan: 'bbbbbbbb', approvedPlan: 'aaaaaaaa' }],
    ],
    [
      're-planned with the same inputs after the approval (a stale plan, the merge commit): still approved',
      [plan(A, 'x', 10), plan(C, 'x', 30)],
      [approval(20)],
      [],
    ],
    [
      'back to the approved inputs after a detour: what was approved is applied',
      [plan(A, 'x', 10), plan(B, 'y', 30), plan(A, 'x', 40)],
      [approval(20)],
      [],
    ],
    [
      'approved during a detour, then back to the first inputs: approve again',
      [plan(A, 'x', 10), plan(B, 'y', 30), plan(A, 'x', 40)],
      [approval(35)],
      [{ name: 'prod', plan: 'aaaaaaaa', approvedPlan: 'bbbbbbbb' }],
    ],
    [
      'a fresh approval after the re-plan covers it',
      [plan(A, 'x', 10), plan(B, 'y', 30)],
      [approval(20), approval(35)],
      [],
    ],
    [
      'an approval without a time covers plans never re-planned with other inputs',
      [plan(A, 'x', 10), plan(C, 'x', 20)],
      [approval()],
      [],
    ],
    [
      'an approval without a time cannot cover a plan whose inputs changed',
      [plan(A, 'x', 10), plan(B, 'y', 20)],
      [approval()],
      [{ name: 'prod', plan: 'bbbbbbbb' }],
    ],
    [
      'a project without plan records is never covered',
      undefined,
      [approval(20)],
      [{ name: 'prod', plan: 'unknown' }],
    ],
    [
      'an approval whose time does not parse covers nothing',
      [plan(A, 'x', 10)],
      [{ user: 'reviewer', at: 'yesterday' }],
      [{ name: 'prod', plan: 'aaaaaaaa' }],
    ],
  ])('%s', (_name, plans, approvals, expected) => {
    expect(unapprovedPlans([{ name: 'prod', plans }], approvals)).toEqual(expected);
  });

  it('keeps the latest 20 records', () => {
    let records: PlanRecord[] | undefined;
    for (let i = 0; i < 25; i++) records = appendPlanRecord(records, plan(A, String(i), i));
    expect(records?.map((r) => r.inputs)).toEqual(Array.from({ length: 20 }, (_, i) => String(i + 5)));
  });
});

describe('the approved requirement at apply', () => {
  const facts = {
    author: 'alice',
    changeRequest: { noun: 'pull request', short: 'PR', prefix: '#' },
    headSha: 'f'.repeat(40),
  };
  it('names the changed plan and the approved one, per project', () => {
    const unmet = unmetRequirements(['approved'], {
      ...facts,
      approvals: [{ user: 'bob', commitSha: facts.headSha, at: '2026-01-01T10:00:20Z', dismissed: false }],
      plans: [
        { name: 'prod', plans: [plan(A, 'x', 10), plan(B, 'y', 30)] },
        { name: 'dev', plans: [plan(C, 'z', 10)] },
      ],
    });
    expect(unmet).toEqual([
      {
        requirement: 'approved',
        message:
          '**Approved**: the plan for `prod` changed after the last approval (plan `bbbbbbbb`, approved plan `aaaaaaaa`): approve again to apply.',
      },
    ]);
  });

  it('an approval on an earlier commit still needs a new one, whatever the plans', () => {
    const unmet = unmetRequirements(['approved'], {
      ...facts,
      approvals: [{ user: 'bob', commitSha: 'e'.repeat(40), at: '2026-01-01T10:00:20Z', dismissed: false }],
      plans: [{ name: 'prod', plans: [plan(A, 'x', 10)] }],
    });
    expect(unmet.map((u) => u.message)).toEqual([
      `**Approved**: the approval was given on an earlier commit; a reviewer must approve \`fffffff\`.`,
    ]);
  });
});

describe('a Terraform plan identity', () => {
  const planJson = (value: string, actions = ['create']) =>
    JSON.stringify({
      format_version: '1.2',
      timestamp: value === 'x' ? '2026-01-01T00:00:00Z' : '2026-01-02T00:00:00Z',
      variables: { size: { value: value === 'x' ? '1' : value } },
      resource_changes: [{ address: 'terraform_data.a', change: { actions, after: { input: 'a' } } }],
    });
  const project = { name: 'prod', dir: 'envs/prod', workspace: 'default' };

  it('ignores what changes on every plan (timestamps) and sees variables, arguments and changes', () => {
    const base = terraformPlanIdentity(project, planJson('x'), []);
    expect(terraformPlanIdentity(project, planJson('x'), [])).toEqual(base);
    const again = terraformPlanIdentity(
      project,
      JSON.stringify({ ...JSON.parse(planJson('x')), timestamp: 'later' }),
      [],
    );
    expect(again).toEqual(base);
    const otherVar = terraformPlanIdentity(project, planJson('2'), []);
    expect(otherVar.inputs).not.toBe(base.inputs);
    const otherArgs = terraformPlanIdentity(project, planJson('x'), ['-target=terraform_data.a']);
    expect(otherArgs.inputs).not.toBe(base.inputs);
    const otherChanges = terraformPlanIdentity(project, planJson('x', ['delete']), []);
    expect(otherChanges.inputs).toBe(base.inputs);
    expect(otherChanges.id).not.toBe(base.id);
  });
});
