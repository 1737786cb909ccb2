import type { ReconcileJob } from '../queue/jobs.js';
import type { JobContext } from '../queue/types.js';
import { prKey, repoKey } from '../store/keys.js';
import { settleAbandonedApplies } from './apply-gave-up.js';
import { dropPrSchemas, sweepPrSchemas } from './drop-pr-schemas.js';
import { pullStateIfIntact } from './read-pull-state.js';
import { releaseLocks } from './release-locks.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * Releases locks whose PR is closed on the forge, or whose plan commit the PR no longer has (its branch
 * was deleted): what a missed webhook, or downtime, left behind. A merged PR waiting for `sluice apply`
 * keeps its locks.
 */
export function createReconcileJobHandler(deps: WorkerDeps) {
  return async function reconcileLocks(job: ReconcileJob, context: JobContext): Promise<void> {
    const log = deps.logger.child({ jobId: context.id });
    const locks = await deps.locks.list();
    const holders = new Map<string, (typeof locks)[number]>();
    for (const lock of locks) holders.set(lock.prKey, lock);
    let released = 0;
    for (const lock of holders.values()) {
      const state = await pullStateIfIntact(deps, lock.prKey);
      if (!state) continue;
      if (job.repo && repoKey(state.pr.repo) !== repoKey(job.repo)) continue;
      const forge = deps.forges.get(state.pr.repo.forge);
      const pull = await forge.getPullRequest(state.pr).catch(() => undefined);
      if (!pull) continue;
      const waitingForApply =
        pull.state === 'merged' && state.projects.some((p) => p.status === 'planned' && !p.applied);
      if (pull.state === 'open' || waitingForApply) continue;
      released += (await releaseLocks(deps, state.pr, context.id)).length;
      await deps.store.pulls.delete(prKey(state.pr));
      await dropPrSchemas(deps, state, context.id, log);
    }
    // Applies whose worker died with no retry left: a final status and a comment, never pending.
    const abandoned = job.repo ? 0 : await settleAbandonedApplies(deps, context.id, log);
    log.info({ released, abandoned }, 'lock reconciliation done');
    // A repository's push (or a periodic pass naming it): sweep its closed PRs' dbt schemas too.
    if (job.repo) await sweepPrSchemas(deps, job.repo, context.id, log);
  };
}
