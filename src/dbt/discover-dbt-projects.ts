import type { ChangedFile } from '../forge/types.js';
import { defaultProjectName } from '../projects/naming.js';
import { dirOf, normalizeRepoPath } from '../projects/paths.js';
import type { Project } from '../projects/types.js';

export const DBT_PROJECT_FILE = 'dbt_project.yml';

/** Files whose change can change what dbt builds or documents (models, YAML, seeds, docs blocks). */
const TRIGGER = /\.(sql|ya?ml|csv|py|md|jinja2?)$/i;
/** Folders inside a dbt project that dbt writes or installs into; changes there plan nothing. */
const GENERATED = ['target', 'logs', 'dbt_packages', 'dbt_modules'];

/**
 * The dbt projects a pull request touches: for each changed file (and a rename's old path), the
 * nearest enclosing directory with a `dbt_project.yml` at head. Projects installed into another
 * project's `dbt_packages/` are not roots of their own; a project deleted at head drops out.
 * Sorted by dir, each once.
 */
export function discoverDbtProjects(
  changedFiles: readonly ChangedFile[],
  repoFiles: readonly string[],
): Project[] {
  const roots = new Set<string>();
  for (const file of repoFiles) {
    const path = normalizeRepoPath(file);
    if (!path || !isProjectFile(path)) continue;
    const dir = dirOf(path);
    if (!dir.split('/').some((segment) => GENERATED.includes(segment))) roots.add(dir);
  }
  const found = new Set<string>();
  for (const file of changedFiles) {
    for (const raw of [file.path, file.previousPath]) {
      const path = raw === undefined ? undefined : normalizeRepoPath(raw);
      if (!path || path === '.') continue;
      const root = nearestRoot(path, roots);
      if (root !== undefined && triggers(path, root)) found.add(root);
    }
  }
  return [...found].sort().map((dir) => ({
    name: defaultProjectName(dir, 'default'),
    dir,
    workspace: 'default',
    type: 'dbt',
    reason: 'changed',
  }));
}

function isProjectFile(path: string): boolean {
  return path === DBT_PROJECT_FILE || path.endsWith(`/${DBT_PROJECT_FILE}`);
}

function nearestRoot(path: string, roots: ReadonlySet<string>): string | undefined {
  let dir = dirOf(path);
  for (;;) {
    if (roots.has(dir)) return dir;
    if (dir === '.') return undefined;
    dir = dirOf(dir);
  }
}

function triggers(path: string, root: string): boolean {
  const inside = root === '.' ? path : path.slice(root.length + 1);
  const [first] = inside.split('/');
  if (first !== undefined && inside.includes('/') && GENERATED.includes(first)) return false;
  return TRIGGER.test(inside);
}
