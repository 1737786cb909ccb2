import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { prSchemaName } from '../dbt/pr-profile.js';
import type { RepoRef } from '../forge/types.js';
import type { Logger } from '../logger.js';
import type { Project } from '../projects/types.js';
import { dropSchemas, schemasOf } from '../runner/dbt/apply-dbt-project.js';
import { repoKey } from '../store/keys.js';
import type { PullState } from '../store/types.js';
import { attemptWorkDir } from './attempt-work-dir.js';
import { dbtSessionOptions } from './dbt-session-options.js';
import { runSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

const PR_SCHEMA = /^pr_(\d+)(?:_|$)/i;

/**
 * A closed (or merged and applied) pull request's dbt schemas are dropped, with the plan's own
 * profile at the commit it planned. Failures are logged: the janitor (sweepPrSchemas) tries again.
 */
export async function dropPrSchemas(
  deps: WorkerDeps,
  state: Pick<PullState, 'pr' | 'headSha' | 'projects'>,
  runId: string,
  log: Logger,
): Promise<void> {
  const projects = state.projects.filter((p) => p.type === 'dbt');
  if (projects.length === 0) return;
  const schema = prSchemaName(state.pr.number);
  for (const planned of projects) {
    const project: Project = {
      name: planned.name,
      dir: planned.dir,
      workspace: planned.workspace,
      type: 'dbt',
      reason: 'config',
    };
    await inCheckout(deps, state.pr.repo, state.headSha, runId, project, log, async (options) => {
      const dropped = await dropSchemas({
        ...options,
        schema,
        prefix: schema,
        choose: (all) => schemasOf(schema, all),
      });
      log.info({ project: project.name, ...dropped }, 'dbt PR schemas dropped');
    });
  }
}

/**
 * The janitor: for each deployed dbt project of a repository, drops `pr_<n>` schemas whose pull
 * request is not open any more (a close that was missed, or a drop that failed).
 */
export async function sweepPrSchemas(
  deps: WorkerDeps,
  repo: RepoRef,
  runId: string,
  log: Logger,
): Promise<void> {
  const forge = deps.forges.get(repo.forge);
  for (const deployment of await deps.store.dbt.latestDeployments(repoKey(repo))) {
    const project: Project = { ...deployment.project, workspace: 'default', type: 'dbt', reason: 'config' };
    await inCheckout(deps, repo, deployment.sha, runId, project, log, async (options) => {
      const dropped = await retried(() =>
        dropSchemas({
          ...options,
          prefix: 'pr_',
          choose: async (all) => {
            const closed: string[] = [];
            for (const name of all) {
              const number = Number(PR_SCHEMA.exec(name)?.[1]);
              if (!Number.isSafeInteger(number) || number <= 0) continue;
              const pull = await forge.getPullRequest({ repo, number }).catch(() => undefined);
              if (pull && pull.state !== 'open') closed.push(name);
            }
            return closed;
          },
        }),
      );
      log.info({ project: project.name, ...dropped }, 'dbt PR schema sweep done');
    });
  }
}

/**
 * A clean-up tried three times, a few seconds apart: a warehouse can be busy for a moment (a DuckDB
 * file is locked while anyone else has it open).
 */
async function retried<T extends { ok: boolean }>(attempt: () => Promise<T>, tries = 3): Promise<T> {
  let result = await attempt();
  for (let left = tries - 1; !result.ok && left > 0; left--) {
    await new Promise((resolve) => setTimeout(resolve, 3000));
    result = await attempt();
  }
  return result;
}

async function inCheckout(
  deps: WorkerDeps,
  repo: RepoRef,
  sha: string,
  runId: string,
  project: Project,
  log: Logger,
  work: (options: Awaited<ReturnType<typeof dbtSessionOptions>>) => Promise<void>,
): Promise<void> {
  const forge = deps.forges.get(repo.forge);
  const workDir = attemptWorkDir(deps.dataDir, 'schemas', runId, project.name);
  const controller = new AbortController();
  try {
    const checkout = await deps.mirrors.checkout(repo, await forge.cloneAccess(repo), sha, {
      signal: controller.signal,
    });
    try {
      const settings = runSettings(deps.rules(repo), deps);
      await work(
        await dbtSessionOptions(
          deps,
          {
            project,
            checkoutDir: checkout.dir,
            artifactDir: join(workDir, 'run'),
            settings,
            signal: controller.signal,
          },
          'plan',
        ),
      );
    } finally {
      await checkout.dispose();
    }
  } catch (error) {
    log.warn({ err: error, project: project.name }, 'dbt schema clean-up failed; the janitor tries again');
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
