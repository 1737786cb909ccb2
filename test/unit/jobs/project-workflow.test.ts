import { describe, expect, it } from 'vitest';
import type { RepoConfig } from '../../../src/config/repo-config.js';
import type { RepoRules } from '../../../src/config/rules.js';
import { DEFAULT_WORKFLOW_STEPS, type Workflow } from '../../../src/config/workflow.js';
import { projectWorkflow } from '../../../src/jobs/project-workflow.js';

const wf = (marker: string): Workflow => ({
  plan: [{ kind: 'run', argv: [marker] }, ...DEFAULT_WORKFLOW_STEPS.plan],
  apply: DEFAULT_WORKFLOW_STEPS.apply,
});
const serverWorkflows = { terragrunt: wf('server-terragrunt'), checked: wf('server-checked') };
type Rules = Pick<RepoRules, 'workflow' | 'workflows' | 'allowCustomWorkflows'>;
const rules = (over: Partial<Rules> = {}): Rules => ({
  workflow: 'default',
  workflows: serverWorkflows,
  allowCustomWorkflows: false,
  ...over,
});
const config = (
  workflow?: string,
  workflows?: RepoConfig['workflows'],
): Pick<RepoConfig, 'projects' | 'workflows'> => ({
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
  workflows,
});

describe('projectWorkflow', () => {
  it.each<[string, Rules, ReturnType<typeof config> | undefined, string]>([
    ['no config: the built-in default', rules(), undefined, 'default'],
    ['no config: the rules’ workflow', rules({ workflow: 'terragrunt' }), undefined, 'server-terragrunt'],
    ['a project naming a server workflow', rules(), config('checked'), 'server-checked'],
    [
      'a project naming its repo’s own workflow, custom workflows allowed',
      rules({ allowCustomWorkflows: true }),
      config('checked', { checked: wf('repo-checked') }),
      'repo-checked',
    ],
    [
      'the repo’s workflows are not used when custom workflows are not allowed',
      rules(),
      config('checked', { checked: wf('repo-checked') }),
      'server-checked',
    ],
    [
      'a project naming none gets the server’s, even with a repo workflow of that name',
      rules({ allowCustomWorkflows: true, workflow: 'terragrunt' }),
      config(undefined, { terragrunt: wf('repo-terragrunt') }),
      'server-terragrunt',
    ],
    [
      'a server workflow called default replaces the built-in one',
      rules({ workflows: { default: wf('server-default') } }),
      config(),
      'server-default',
    ],
  ])('%s', (_, given, repo, expected) => {
    const resolved = projectWorkflow(given, repo, 'prod');
    if (!resolved.ok) throw new Error(resolved.message);
    const first = resolved.workflow.plan[0];
    expect(first?.kind === 'run' ? first.argv[0] : 'default').toBe(expected);
  });

  it('says so when the workflow is not defined', () => {
    const resolved = projectWorkflow(rules({ workflow: 'gone' }), undefined, 'prod');
    expect(resolved).toEqual({
      ok: false,
      message: expect.stringContaining('Workflow `gone` is not defined in the server config'),
    });
  });
});
