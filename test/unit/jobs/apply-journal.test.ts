import { describe, expect, it } from 'vitest';
import { GIVEN_UP, newAttempt, previousAttempt } from '../../../src/jobs/apply-journal.js';

const lease = 1_000;
const at = (ms: number) => new Date(ms).toISOString();
const attempt = (over: Partial<ReturnType<typeof newAttempt>>) => ({
  ...newAttempt({
    claim: 'p@1',
    prKey: 'github/1/pr/1',
    project: 'prod',
    runId: 'job-1',
    now: new Date(10_000),
  }),
  phase: 'applying' as const,
  ...over,
});

describe('previousAttempt', () => {
  it.each([
    ['no record', undefined, 'job-2', 'gone'],
    ["this job's own interrupted attempt (a retry)", attempt({}), 'job-1', 'recover'],
    ["another job's attempt with a fresh heartbeat", attempt({ heartbeatAt: at(10_000) }), 'job-2', 'busy'],
    [
      "another job's attempt whose heartbeat stopped",
      attempt({ heartbeatAt: at(5_000) }),
      'job-2',
      'recover',
    ],
    ['an attempt given up (reported)', attempt({ heartbeatAt: GIVEN_UP }), 'job-2', 'recover'],
    [
      "this job's finished apply (it stopped before reporting)",
      attempt({ phase: 'finished', outcome: 'applied' }),
      'job-1',
      'applied',
    ],
    ["another job's finished apply", attempt({ phase: 'finished', outcome: 'applied' }), 'job-2', 'busy'],
    ['a finished, changed state', attempt({ phase: 'finished', outcome: 'differs' }), 'job-1', 'busy'],
  ] as const)('%s', (_, previous, runId, expected) => {
    expect(previousAttempt(previous, runId, 10_500, lease)).toBe(expected);
  });

  it('gives each attempt its own id', () => {
    const one = newAttempt({ claim: 'p@1', prKey: 'k', project: 'p', runId: 'j' });
    const two = newAttempt({ claim: 'p@1', prKey: 'k', project: 'p', runId: 'j' });
    expect(one.attemptId).not.toBe(two.attemptId);
    expect(one.attemptId).toMatch(/^[0-9a-f]{12}$/);
  });
});
