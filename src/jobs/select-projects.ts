import { codeSpan } from '../comments/markdown.js';
import type { RepoConfig } from '../config/repo-config.js';
import { defaultProjectName } from '../projects/naming.js';
import type { Project } from '../projects/types.js';
import type { PlanJob } from '../queue/jobs.js';

export type Selection = { ok: true; projects: Project[] } | { ok: false; message: string };

/**
 * Which projects a plan job plans: what the change touches, or what a command names with `-p`, `-d`
 * and `-w` (a named project need not be changed by the PR).
 */
export function selectProjects(input: {
  job: Pick<PlanJob, 'target' | 'only'>;
  discovered: Project[];
  config?: RepoConfig;
  /** Directories with a `dbt_project.yml` at head: a folder named with `-d` there is a dbt project. */
  dbtDirs?: ReadonlySet<string>;
}): Selection {
  const { job, discovered, config } = input;
  const target = job.target;
  if (job.only) return { ok: true, projects: discovered.filter((p) => job.only?.includes(p.name)) };
  if (!target || (!target.project && !target.dir && !target.workspace))
    return { ok: true, projects: discovered };
  const known: Project[] = config?.projects
    ? config.projects.map((p) => ({
        name: p.name,
        dir: p.dir,
        workspace: p.workspace,
        type: p.type,
        reason: 'config',
      }))
    : discovered;

  if (target.project) {
    const found = known.find((p) => p.name === target.project);
    if (found) return { ok: true, projects: [found] };
    const names = known.map((p) => codeSpan(p.name));
    return {
      ok: false,
      message: `No project is named ${codeSpan(target.project)}.${names.length ? ` Projects: ${names.join(', ')}.` : ''} Use \`-d <dir>\` to plan a folder.`,
    };
  }
  const workspace = target.workspace ?? 'default';
  const matches = known.filter(
    (p) => (target.dir === undefined || p.dir === target.dir) && p.workspace === workspace,
  );
  if (matches.length > 0) return { ok: true, projects: matches };
  if (target.dir === undefined) {
    return {
      ok: false,
      message: `No changed project uses workspace ${codeSpan(workspace)}; add \`-d <dir>\`.`,
    };
  }
  if (config?.projects) {
    return {
      ok: false,
      message: `${codeSpan(target.dir)} in workspace ${codeSpan(workspace)} is not a project in the repo config.`,
    };
  }
  return {
    ok: true,
    projects: [
      {
        name: defaultProjectName(target.dir, workspace),
        dir: target.dir,
        workspace,
        type: input.dbtDirs?.has(target.dir) ? 'dbt' : 'terraform',
        reason: 'config',
      },
    ],
  };
}
