import type { RepoConfig } from '../config/repo-config.js';
import type { ToolRequest } from '../config/tool-version.js';

/**
 * The OpenTofu/Terraform a project asks for in the repo config (`tool`, or atlantis.yaml's
 * `terraform_*`); undefined: the server's default. Projects the config does not list ask for nothing.
 */
export function projectTool(
  config: Pick<RepoConfig, 'projects'> | undefined,
  projectName: string,
): ToolRequest | undefined {
  return config?.projects?.find((p) => p.name === projectName)?.tool;
}
