import type { PullRequestRef, RepoRef } from '../forge/types.js';
import type { Project } from '../projects/types.js';

/** Stable names for things in any backend. Parts are URI-encoded so no name can fake another. */
const part = (value: string | number) => encodeURIComponent(String(value));

export function repoKey(repo: RepoRef): string {
  return `${part(repo.forge)}/${part(repo.id)}`;
}

export function prKey(pr: PullRequestRef): string {
  return `${repoKey(pr.repo)}/pr/${pr.number}`;
}

export function planKey(
  pr: PullRequestRef,
  headSha: string,
  project: Pick<Project, 'name' | 'workspace'>,
): string {
  return `${prKey(pr)}/${part(headSha)}/${part(project.name)}/${part(project.workspace)}`;
}

/** Production's dbt state of one project of a repo (the manifest plans compare against). */
export function dbtProductionKey(repo: RepoRef, project: Pick<Project, 'name'>): string {
  return `${repoKey(repo)}/dbt-production/${part(project.name)}`;
}

/** A workspace lock: repo + project dir + workspace + project name. */
export function lockKey(repo: RepoRef, project: Pick<Project, 'name' | 'dir' | 'workspace'>): string {
  return `${repoKey(repo)}/${part(project.dir)}/${part(project.workspace)}/${part(project.name)}`;
}
