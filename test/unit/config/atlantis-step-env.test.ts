import { describe, expect, it } from 'vitest';
import { atlantisCommentArgs, atlantisStepVariables } from '../../../src/config/atlantis-step-env.js';
import { type StepContext, stepEnvironment } from '../../../src/config/step-env.js';

const pullRequest: StepContext = {
  project: { name: 'app-blue', dir: 'envs/app', workspace: 'blue' },
  repoRoot: '/w/repo',
  projectDir: '/w/repo/envs/app',
  planFile: '/w/artifacts/0/plan.tfplan',
  showFile: '/w/artifacts/0/plan.json',
  toolVersion: '1.9.1',
  prNumber: 7,
  headSha: 'a'.repeat(40),
  baseBranch: 'main',
  headBranch: 'feature/x',
  user: 'bob',
  commentArgs: ['-var', 'a=b c'],
  repo: { owner: 'acme', name: 'infra' },
  headRepo: { owner: 'outsider', name: 'infra-fork' },
  pullUrl: 'https://github.com/acme/infra/pull/7',
  pullAuthor: 'alice',
};

describe('atlantisStepVariables', () => {
  it('gives Atlantis’s names for the facts of a pull request’s run', () => {
    expect(atlantisStepVariables(pullRequest)).toEqual({
      WORKSPACE: 'blue',
      ATLANTIS_TERRAFORM_VERSION: '1.9.1',
      DIR: '/w/repo/envs/app',
      PLANFILE: '/w/artifacts/0/plan.tfplan',
      SHOWFILE: '/w/artifacts/0/plan.json',
      BASE_REPO_OWNER: 'acme',
      BASE_REPO_NAME: 'infra',
      HEAD_REPO_OWNER: 'outsider',
      HEAD_REPO_NAME: 'infra-fork',
      HEAD_BRANCH_NAME: 'feature/x',
      HEAD_COMMIT: 'a'.repeat(40),
      BASE_BRANCH_NAME: 'main',
      PROJECT_NAME: 'app-blue',
      PULL_NUM: '7',
      PULL_URL: 'https://github.com/acme/infra/pull/7',
      PULL_AUTHOR: 'alice',
      REPO_REL_DIR: 'envs/app',
      USER_NAME: 'bob',
      COMMENT_ARGS: '\\-\\v\\a\\r,\\a\\=\\b\\ \\c',
    });
  });

  it('leaves what a run outside a pull request does not know empty', () => {
    const local: StepContext = {
      ...pullRequest,
      prNumber: 0,
      user: undefined,
      commentArgs: [],
      repo: undefined,
      headRepo: undefined,
      pullUrl: undefined,
      pullAuthor: undefined,
    };
    expect(atlantisStepVariables(local)).toMatchObject({
      PULL_NUM: '0',
      USER_NAME: '',
      COMMENT_ARGS: '',
      BASE_REPO_OWNER: '',
      BASE_REPO_NAME: '',
      HEAD_REPO_OWNER: '',
      HEAD_REPO_NAME: '',
      PULL_URL: '',
      PULL_AUTHOR: '',
      REPO_REL_DIR: 'envs/app',
    });
  });
});

describe('atlantisCommentArgs', () => {
  it.each([
    [[], ''],
    [['arg1', 'arg2'], '\\a\\r\\g\\1,\\a\\r\\g\\2'],
    [['-target=a.b'], '\\-\\t\\a\\r\\g\\e\\t\\=\\a\\.\\b'],
    [['x,y'], '\\x\\,\\y'],
    [['é'], '\\é'],
  ] as const)('%j → %s', (args, expected) => {
    expect(atlantisCommentArgs(args)).toBe(expected);
  });
});

describe('stepEnvironment with Atlantis names', () => {
  it('gives them to every step, over passed server variables and under `env` steps', () => {
    const env = stepEnvironment(
      pullRequest,
      { names: ['DIR', 'REGION'], from: { DIR: '/server', REGION: 'eu' } },
      { PULL_NUM: 'from-env-step' },
    );
    expect(env.DIR).toBe('/w/repo/envs/app');
    expect(env.REGION).toBe('eu');
    expect(env.PULL_NUM).toBe('from-env-step');
    expect(env.PLANFILE).toBe(env.SLUICE_PLAN_FILE);
    expect(env.WORKSPACE).toBe(env.SLUICE_WORKSPACE);
  });
});
