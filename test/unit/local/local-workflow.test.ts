import { describe, expect, it } from 'vitest';
import type { RepoConfig } from '../../../src/config/repo-config.js';
import { DEFAULT_WORKFLOW_STEPS, type Workflow } from '../../../src/config/workflow.js';
import { localWorkflow } from '../../../src/local/local-workflow.js';

const linted: Workflow = {
  plan: [{ kind: 'run', argv: ['tflint'] }, ...DEFAULT_WORKFLOW_STEPS.plan],
  apply: DEFAULT_WORKFLOW_STEPS.apply,
};
const config = (workflow?: string): RepoConfig => ({
  version: 1,
  projects: [
    {
      name: 'prod',
      dir: 'prod',
      workspace: 'default',
      type: 'terraform',
      autoplan: { enabled: true, whenModified: [] },
      dependsOn: [],
      executionOrderGroup: 0,
      ...(workflow ? { workflow } : {}),
    },
  ],
  workflows: { linted },
});

describe('localWorkflow (sluice plan on a checkout: no server config)', () => {
  it('runs the repository’s own workflow that a project names', () => {
    expect(localWorkflow(config('linted'), 'sluice.yaml', 'prod')).toEqual({
      ok: true,
      name: 'linted',
      workflow: linted,
    });
  });

  it('runs the built-in default for a project that names none, or without a config', () => {
    expect(localWorkflow(config(), 'sluice.yaml', 'prod')).toMatchObject({
      workflow: DEFAULT_WORKFLOW_STEPS,
    });
    expect(localWorkflow(undefined, undefined, 'envs/dev')).toMatchObject({
      workflow: DEFAULT_WORKFLOW_STEPS,
    });
  });

  it('says that a workflow only a server config could define is unknown here', () => {
    const resolved = localWorkflow(config('terragrunt'), 'atlantis.yaml', 'prod');
    expect(resolved.ok).toBe(false);
    expect(!resolved.ok && resolved.message).toBe(
      'Workflow `terragrunt` is not defined in `atlantis.yaml`. A local plan has no server config, so it knows only the repository’s own workflows and `default`.',
    );
  });
});
