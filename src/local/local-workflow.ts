import { codeSpan } from '../comments/markdown.js';
import type { RepoConfig } from '../config/repo-config.js';
import { DEFAULT_WORKFLOW, type RepoRules } from '../config/rules.js';
import { projectWorkflow, type ResolvedWorkflow } from '../jobs/project-workflow.js';

/**
 * The workflow rules of `sluice plan` on your own machine, where there is no server config: the
 * repository's own workflows are allowed (the code they run is yours, and runs as you), no server
 * workflows exist, and a project that names none runs the built-in `default`.
 */
export const LOCAL_WORKFLOW_RULES: Pick<RepoRules, 'workflow' | 'workflows' | 'allowCustomWorkflows'> = {
  workflow: DEFAULT_WORKFLOW,
  workflows: {},
  allowCustomWorkflows: true,
};

/**
 * The workflow a project runs in a local plan, resolved as the server does under
 * {@link LOCAL_WORKFLOW_RULES}; a name only a server config could define is an error that says so.
 */
export function localWorkflow(
  config: RepoConfig | undefined,
  file: string | undefined,
  projectName: string,
): ResolvedWorkflow {
  const resolved = projectWorkflow(LOCAL_WORKFLOW_RULES, config, projectName);
  if (resolved.ok) return resolved;
  const named = config?.projects?.find((p) => p.name === projectName)?.workflow ?? '';
  return {
    ok: false,
    message: `Workflow ${codeSpan(named)} is not defined in ${file ? codeSpan(file) : 'the repo config'}. A local plan has no server config, so it knows only the repository’s own workflows and \`default\`.`,
  };
}
