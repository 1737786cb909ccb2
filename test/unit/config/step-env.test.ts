import { describe, expect, it } from 'vitest';
import { atlantisStepVariables } from '../../../src/config/atlantis-step-env.js';
import { stepEnvironment } from '../../../src/config/step-env.js';

const context = {
  project: { name: 'prod/app', dir: 'prod/app', workspace: 'blue' },
  repoRoot: '/w/repo',
  projectDir: '/w/repo/prod/app',
  planFile: '/w/artifacts/0/plan.tfplan',
  showFile: '/w/artifacts/0/plan.json',
  toolVersion: '1.9.1',
  prNumber: 12,
  headSha: 'a'.repeat(40),
  baseBranch: 'main',
  headBranch: 'feature',
  user: 'alice',
  commentArgs: ['-var', 'a=b c'],
};

describe('stepEnvironment', () => {
  it('gives the documented variables, the passed server variables and earlier env steps', () => {
    expect(
      stepEnvironment(
        context,
        {
          names: ['AWS_REGION', 'MISSING', 'PATH'],
          from: { AWS_REGION: 'eu-west-1', PATH: '/evil', SECRET: 'x' },
        },
        { STAGE: 'prod', SLUICE_PR_NUMBER: '999', HOME: '/x' },
      ),
    ).toEqual({
      AWS_REGION: 'eu-west-1',
      ...atlantisStepVariables(context),
      STAGE: 'prod',
      SLUICE_PROJECT_NAME: 'prod/app',
      SLUICE_PROJECT_DIR: '/w/repo/prod/app',
      SLUICE_REPO_ROOT: '/w/repo',
      SLUICE_WORKSPACE: 'blue',
      SLUICE_PR_NUMBER: '12',
      SLUICE_HEAD_SHA: 'a'.repeat(40),
      SLUICE_BASE_BRANCH: 'main',
      SLUICE_HEAD_BRANCH: 'feature',
      SLUICE_USER: 'alice',
      SLUICE_COMMENT_ARGS: '-var\na=b c',
      SLUICE_PLAN_FILE: '/w/artifacts/0/plan.tfplan',
    });
  });
});
