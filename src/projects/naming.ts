/** Atlantis's project naming: the dir, suffixed with the workspace when it is not `default`. */
export function defaultProjectName(dir: string, workspace: string): string {
  return workspace === 'default' ? dir : `${dir}:${workspace}`;
}
