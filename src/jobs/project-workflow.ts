import type { RepoConfig } from '../config/repo-config.js';
import { DEFAULT_WORKFLOW, type RepoRules } from '../config/rules.js';
import { DEFAULT_WORKFLOW_STEPS, type Workflow } from '../config/workflow.js';

export type ResolvedWorkflow =
  | { ok: true; name: string; workflow: Workflow }
  | { ok: false; message: string };

/**
 * The workflow a project runs. A project that names one gets the repository's own workflow of that name
 * when the rules allow custom workflows, else the server config's; a project that names none gets the
 * rules' `workflow`, always from the server config (a repository's workflow called `default` does not
 * replace the server's quietly). `default` is built in unless the server config defines it.
 * The repo config was checked against the rules when it was parsed: names are known and allowed.
 */
export function projectWorkflow(
  rules: Pick<RepoRules, 'workflow' | 'workflows' | 'allowCustomWorkflows'>,
  config: Pick<RepoConfig, 'projects' | 'workflows'> | undefined,
  projectName: string,
): ResolvedWorkflow {
  const named = config?.projects?.find((p) => p.name === projectName)?.workflow;
  const custom = named !== undefined && rules.allowCustomWorkflows ? config?.workflows?.[named] : undefined;
  if (custom) return { ok: true, name: named as string, workflow: custom };
  const name = named ?? rules.workflow;
  const server = rules.workflows[name];
  if (server) return { ok: true, name, workflow: server };
  if (name === DEFAULT_WORKFLOW) return { ok: true, name, workflow: DEFAULT_WORKFLOW_STEPS };
  return {
    ok: false,
    message: `Workflow \`${name}\` is not defined in the server config${rules.allowCustomWorkflows ? ' or the repo config' : ''}; ask a Sluice admin to define it or pick another.`,
  };
}
