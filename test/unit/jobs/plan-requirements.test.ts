import { describe, expect, it } from 'vitest';
import { GENERIC_CHANGE_REQUEST } from '../../../src/comments/change-request.js';
import type { ApplyRequirement } from '../../../src/config/rules.js';
import type { RequirementFacts } from '../../../src/jobs/apply-requirements.js';
import {
  PLAN_REQUIREMENTS_STEP,
  planRequirementsError,
  planRequirementsWanted,
  unmetPlanRequirements,
} from '../../../src/jobs/plan-requirements.js';

const HEAD = 'a'.repeat(40);
const facts = (over: Partial<RequirementFacts> = {}): RequirementFacts => ({
  author: 'alice',
  changeRequest: GENERIC_CHANGE_REQUEST,
  headSha: HEAD,
  approvals: [],
  ...over,
});

describe('planRequirementsWanted', () => {
  const byName: Record<string, ApplyRequirement[]> = {
    prod: ['approved', 'mergeable', 'undiverged'],
    dev: [],
  };
  const projects = [{ name: 'prod' }, { name: 'dev' }];
  it('takes each project’s requirements', () => {
    expect(planRequirementsWanted(projects, (p) => byName[p.name] ?? [], false)).toEqual(
      new Map([
        ['prod', ['approved', 'mergeable', 'undiverged']],
        ['dev', []],
      ]),
    );
  });
  it('keeps only `approved` for a merged pull request', () => {
    expect(planRequirementsWanted(projects, (p) => byName[p.name] ?? [], true).get('prod')).toEqual([
      'approved',
    ]);
  });
});

describe('unmetPlanRequirements', () => {
  const wanted = new Map<string, ApplyRequirement[]>([
    ['prod', ['approved', 'undiverged']],
    ['stage', ['undiverged']],
    ['dev', []],
  ]);
  it.each<[string, RequirementFacts, Record<string, ApplyRequirement[]>]>([
    ['nobody approved, nothing diverged', facts({ divergedProjects: [] }), { prod: ['approved'] }],
    [
      'approved on the head commit',
      facts({ approvals: [{ user: 'bob', commitSha: HEAD, dismissed: false }], divergedProjects: [] }),
      {},
    ],
    [
      'the author’s own approval does not count',
      facts({ approvals: [{ user: 'alice', commitSha: HEAD, dismissed: false }], divergedProjects: [] }),
      { prod: ['approved'] },
    ],
    [
      'an approval of an earlier commit does not count',
      facts({
        approvals: [{ user: 'bob', commitSha: 'b'.repeat(40), dismissed: false }],
        divergedProjects: [],
      }),
      { prod: ['approved'] },
    ],
    [
      'divergence counts only for the project that diverged',
      facts({ approvals: [{ user: 'bob', commitSha: HEAD, dismissed: false }], divergedProjects: ['stage'] }),
      { stage: ['undiverged'] },
    ],
  ])('%s', (_, given, expected) => {
    const unmet = unmetPlanRequirements(wanted, given);
    expect(
      Object.fromEntries([...unmet].map(([name, list]) => [name, list.map((u) => u.requirement)])),
    ).toEqual(expected);
  });
});

describe('planRequirementsError', () => {
  it('says what is missing and what to do, without Markdown emphasis', () => {
    const [unmet] = unmetPlanRequirements(new Map([['prod', ['approved']]]), facts()).values();
    const error = planRequirementsError(unmet ?? []);
    expect(error.step).toBe(PLAN_REQUIREMENTS_STEP);
    expect(error.message).toBe(
      [
        'Not planned: this repository requires, before a plan:',
        '- Approved: nobody but the author has approved this pull request; ask a reviewer to approve it.',
        'Then comment `sluice plan`.',
      ].join('\n'),
    );
  });
});
