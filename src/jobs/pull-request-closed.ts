import type { ClosedJob } from '../queue/jobs.js';
import type { JobContext } from '../queue/types.js';
import { prKey } from '../store/keys.js';
import { finalOnFailure } from './apply-gave-up.js';
import { applyPullRequest } from './apply-pull-request.js';
import { dropPrSchemas } from './drop-pr-schemas.js';
import { pullStateIfIntact } from './read-pull-state.js';
import { releaseLocks } from './release-locks.js';
import type { WorkerDeps } from './worker-deps.js';

/** Merged in `merge` mode: apply the reviewed plans. Otherwise (closed, or merged in `comment` mode): release. */
export function createClosedJobHandler(deps: WorkerDeps) {
  return async function pullRequestClosed(job: ClosedJob, context: JobContext): Promise<void> {
    const log = deps.logger.child({ jobId: context.id, repo: job.pr.repo.fullName, pr: job.pr.number });
    const forge = deps.forges.get(job.pr.repo.forge);
    if (job.merged && deps.rules(job.pr.repo).applyMode === 'merge') {
      await finalOnFailure(deps, forge, job.pr, context, log, async () => {
        const outcome = await applyPullRequest(
          deps,
          forge,
          { pr: job.pr, trigger: 'merge', requestedBy: 'merge', runId: context.id, signal: context.signal },
          log,
        );
        log.info({ outcome }, 'apply on merge done');
      });
      return;
    }
    const state = await pullStateIfIntact(deps, prKey(job.pr));
    const released = await releaseLocks(deps, job.pr, context.id);
    await deps.store.pulls.delete(prKey(job.pr));
    if (state) await dropPrSchemas(deps, state, context.id, log);
    log.info({ released: released.length, merged: job.merged }, 'pull request closed: locks released');
  };
}
