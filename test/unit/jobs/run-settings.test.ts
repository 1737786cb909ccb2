import { describe, expect, it } from 'vitest';
import { defaultRules, type RepoRules } from '../../../src/config/rules.js';
import { runSettings } from '../../../src/jobs/run-settings.js';

const server = { stepTimeoutMs: 1_800_000, templatesDir: '/srv/templates', parallelPlans: 4 };
const rules = (over: Partial<RepoRules> = {}): RepoRules => ({ ...defaultRules(), ...over });

describe('runSettings', () => {
  it('takes the server’s settings when the rules say nothing', () => {
    expect(runSettings(rules(), server)).toEqual({
      stepTimeoutMs: 1_800_000,
      templatesDir: '/srv/templates',
      sandboxRules: { planEnv: [], applyEnv: [] },
      parallelPlans: 4,
    });
  });

  it('takes the repository’s step timeout, templates and sandbox rules over the server’s', () => {
    const sandbox = { network: false, planEnv: ['AWS_REGION'], applyEnv: ['AWS_REGION', 'AWS_ROLE_ARN'] };
    expect(
      runSettings(rules({ stepTimeoutMs: 60_000, templatesDir: '/etc/sluice/acme', sandbox }), server),
    ).toEqual({
      stepTimeoutMs: 60_000,
      templatesDir: '/etc/sluice/acme',
      sandboxRules: sandbox,
      parallelPlans: 4,
    });
  });

  it.each([
    [undefined, 4],
    [true, 4],
    [false, 1],
  ])('parallel_plan %s plans %i at a time', (parallelPlan, expected) => {
    expect(runSettings(rules(), server, { parallelPlan }).parallelPlans).toBe(expected);
  });
});
