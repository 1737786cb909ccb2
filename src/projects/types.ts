/** A unit Sluice plans and applies: Atlantis's "project" (dir + workspace). */
export interface Project {
  /** Unique within the repo; defaults to `dir` (or `dir:workspace` when not `default`). */
  name: string;
  /** Relative to the repo root, POSIX separators, no leading "./" ("." for the root). */
  dir: string;
  workspace: string;
  /** `dbt`: a directory with `dbt_project.yml` (see src/dbt/discover-dbt-projects.ts). */
  type: 'terraform' | 'dbt';
  /** Why it is planned: its own files changed, a called local module changed, or config lists it. */
  reason: 'changed' | 'module' | 'config';
}
