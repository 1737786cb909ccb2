/** Files whose change can alter a plan: configuration, variable files and the provider lock file. */
const TRIGGER = /(?:\.tf|\.tf\.json|\.tofu|\.tofu\.json|\.tfvars|\.tfvars\.json)$/;
/** Files that make a directory a configuration OpenTofu can plan (variable files alone do not). */
const CONFIGURATION = /(?:\.tf|\.tf\.json|\.tofu|\.tofu\.json)$/;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Inside `.terraform/` (a working directory someone committed) nothing counts. */
function inWorkingDir(path: string): boolean {
  return path === '.terraform' || path.startsWith('.terraform/') || path.includes('/.terraform/');
}

export function isTriggerFile(path: string): boolean {
  if (inWorkingDir(path)) return false;
  const name = baseName(path);
  return name === '.terraform.lock.hcl' || TRIGGER.test(name);
}

export function isConfigurationFile(path: string): boolean {
  return !inWorkingDir(path) && CONFIGURATION.test(baseName(path));
}

/** Configuration files whose `module` blocks Sluice reads: HCL native syntax, or JSON syntax. */
export function configurationSyntax(path: string): 'hcl' | 'json' | undefined {
  if (!isConfigurationFile(path)) return undefined;
  return path.endsWith('.json') ? 'json' : 'hcl';
}
