import type { RepoConfig } from '../config/repo-config.js';
import { DBT_PROJECT_FILE, discoverDbtProjects } from '../dbt/discover-dbt-projects.js';
import type { ChangedFile } from '../forge/types.js';
import { compileRules, matchesRules } from './glob.js';
import { buildModuleGraph, isRoot, rootsCalling } from './module-graph.js';
import { defaultProjectName } from './naming.js';
import { dirOf, normalizeRepoPath, resolveFrom } from './paths.js';
import { isConfigurationFile, isTriggerFile } from './terraform-files.js';
import type { Project } from './types.js';

export interface DiscoverInput {
  changedFiles: readonly ChangedFile[];
  /** Every file path in the head commit, repo-relative POSIX. */
  repoFiles: readonly string[];
  /** Reads a file of the head commit; undefined when it cannot be read. */
  readFile: (path: string) => string | undefined;
  config?: RepoConfig;
}

/**
 * The projects a pull request must plan, sorted by dir then workspace, each listed once.
 *
 * Without `projects` in the repo config: every directory with configuration at head whose Terraform
 * files changed, if nothing calls it as a module; every root that calls a changed module,
 * transitively; and every dbt project a change touches (src/dbt/discover-dbt-projects.ts). With
 * `projects`: those whose `when_modified` globs match a changed file (a `type: dbt` one needs a
 * `dbt_project.yml` in its dir at head, a Terraform one configuration).
 */
export function discoverProjects(input: DiscoverInput): Project[] {
  const repoFiles = normalizeAll(input.repoFiles);
  const configDirs = new Set(repoFiles.filter(isConfigurationFile).map(dirOf));
  const changed = changedPaths(input.changedFiles);
  const projects = input.config?.projects
    ? fromConfig(input.config.projects, changed, configDirs, dbtProjectDirs(repoFiles))
    : [
        ...autodiscover(changed, repoFiles, configDirs, input.readFile),
        ...discoverDbtProjects(input.changedFiles, repoFiles),
      ];
  return sortProjects(projects);
}

/** Every path a change touches: the new path and, for renames, the old one. Normalised, deduplicated. */
function changedPaths(files: readonly ChangedFile[]): string[] {
  const paths = new Set<string>();
  for (const file of files) {
    for (const path of [file.path, file.previousPath]) {
      const normal = path === undefined ? undefined : normalizeRepoPath(path);
      if (normal !== undefined && normal !== '.') paths.add(normal);
    }
  }
  return [...paths];
}

function normalizeAll(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const path of paths) {
    const normal = normalizeRepoPath(path);
    if (normal !== undefined && normal !== '.') out.push(normal);
  }
  return out;
}

function autodiscover(
  changed: readonly string[],
  repoFiles: readonly string[],
  configDirs: ReadonlySet<string>,
  readFile: (path: string) => string | undefined,
): Project[] {
  // A directory deleted at head has no configuration left and drops out here.
  const changedDirs = new Set(
    changed
      .filter(isTriggerFile)
      .map(dirOf)
      .filter((dir) => configDirs.has(dir)),
  );
  if (changedDirs.size === 0) return [];
  const graph = buildModuleGraph(repoFiles, configDirs, readFile);
  const found = new Map<string, Project>();
  for (const dir of changedDirs) {
    if (isRoot(graph, dir)) found.set(dir, project(dir, 'default', 'changed'));
  }
  for (const dir of changedDirs) {
    for (const root of rootsCalling(graph, dir)) {
      if (!found.has(root)) found.set(root, project(root, 'default', 'module'));
    }
  }
  return [...found.values()];
}

/** Directories with a `dbt_project.yml` (repo-relative POSIX paths in, dirs out). */
export function dbtProjectDirs(repoFiles: readonly string[]): Set<string> {
  return new Set(
    repoFiles.filter((path) => path === DBT_PROJECT_FILE || path.endsWith(`/${DBT_PROJECT_FILE}`)).map(dirOf),
  );
}

function fromConfig(
  configured: NonNullable<RepoConfig['projects']>,
  changed: readonly string[],
  configDirs: ReadonlySet<string>,
  dbtDirs: ReadonlySet<string>,
): Project[] {
  const projects: Project[] = [];
  for (const entry of configured) {
    const exists = entry.type === 'dbt' ? dbtDirs.has(entry.dir) : configDirs.has(entry.dir);
    if (!entry.autoplan.enabled || !exists) continue;
    const rules = compileRules(entry.autoplan.whenModified, (pattern) => resolveFrom(entry.dir, pattern));
    if (changed.some((path) => matchesRules(rules, path))) {
      projects.push({
        name: entry.name,
        dir: entry.dir,
        workspace: entry.workspace,
        type: entry.type,
        reason: 'config',
      });
    }
  }
  return projects;
}

function project(dir: string, workspace: string, reason: Project['reason']): Project {
  return { name: defaultProjectName(dir, workspace), dir, workspace, type: 'terraform', reason };
}

function sortProjects(projects: Project[]): Project[] {
  const unique = new Map<string, Project>();
  for (const p of projects) {
    const key = `${p.dir}\u0000${p.workspace}`;
    if (!unique.has(key)) unique.set(key, p);
  }
  return [...unique.values()].sort((a, b) => compare(a.dir, b.dir) || compare(a.workspace, b.workspace));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
