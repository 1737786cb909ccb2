import { describe, expect, it } from 'vitest';
import { mergeabilityOf } from '../../../src/forge/gitlab/merge-status.js';

const ours = (context: string) => context.startsWith('sluice/');
const none = { statuses: [], approvalsLeft: 0 };
const check = (name: string, status: string, allow_failure = false) => ({ name, status, allow_failure });

describe('mergeabilityOf', () => {
  it.each([
    ['mergeable', { mergeable: true, reasons: [] }],
    ['conflict', { mergeable: false, reasons: ['it has merge conflicts'] }],
    ['not_open', { mergeable: false, reasons: ['it is not open'] }],
    ['requested_changes', { mergeable: false, reasons: ['a reviewer requested changes'] }],
    ['checking', { mergeable: false, reasons: ['GitLab is still checking whether it can be merged'] }],
    ['some_future_check', { mergeable: false, reasons: ['GitLab reports "some_future_check"'] }],
    [undefined, { mergeable: false, reasons: ['GitLab has not yet checked whether it can be merged'] }],
  ])('%s', (status, expected) => {
    expect(mergeabilityOf(status, none, ours)).toEqual(expected);
  });

  it('judges the pipeline check by check, leaving out our own and allowed failures', () => {
    const statuses = [
      check('sluice/apply', 'pending'),
      check('sluice/plan', 'failed'),
      check('build', 'success'),
      check('docs', 'skipped'),
      check('flaky', 'failed', true),
      check('test', 'failed'),
      check('deploy', 'manual'),
      check('lint', 'canceled'),
      check('e2e', 'running'),
      check('queued', 'created'),
    ];
    expect(mergeabilityOf('ci_must_pass', { statuses, approvalsLeft: 0 }, ours)).toEqual({
      mergeable: false,
      reasons: [
        'check `test` is failing',
        'check `deploy` waits for someone to run it',
        'check `lint` was canceled',
        'check `e2e` has not finished',
        'check `queued` has not finished',
      ],
    });
  });

  it('is mergeable when only our own checks hold the pipeline, unless approvals are missing', () => {
    const statuses = [check('sluice/apply', 'pending'), check('build', 'success')];
    expect(mergeabilityOf('ci_still_running', { statuses, approvalsLeft: 0 }, ours)).toEqual({
      mergeable: true,
      reasons: [],
    });
    expect(mergeabilityOf('ci_still_running', { statuses, approvalsLeft: 2 }, ours)).toEqual({
      mergeable: false,
      reasons: ['it is not approved yet'],
    });
  });

  it('says so when the pipeline must succeed and there is none', () => {
    expect(mergeabilityOf('ci_must_pass', none, ours).reasons).toEqual([
      'its pipeline must succeed, and it has none',
    ]);
  });
});
