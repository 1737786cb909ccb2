import { withLogContext } from '../log-context.js';
import type { JobHandler } from '../queue/types.js';
import { createCommandJobHandler } from './handle-command.js';
import { createPlanJobHandler } from './plan-pull-request.js';
import { createClosedJobHandler } from './pull-request-closed.js';
import { createReconcileJobHandler } from './reconcile-locks.js';
import { reportingFailures, statusNotingForges } from './report-job-failure.js';
import type { WorkerDeps } from './worker-deps.js';

/** Routes each job to what it means; a job that fails for good tells its pull request (report-job-failure.ts). */
export function createJobHandler(workerDeps: WorkerDeps): JobHandler {
  // Statuses a job sets are noted, so that one failing never leaves them pending.
  const deps = { ...workerDeps, forges: statusNotingForges(workerDeps.forges) };
  const plan = createPlanJobHandler(deps);
  const command = createCommandJobHandler(deps);
  const closed = createClosedJobHandler(deps);
  const reconcile = createReconcileJobHandler(deps);
  /** Counted here for every kind but plan, which counts its own outcomes (superseded, planned, …). */
  const counted = async (kind: string, run: () => Promise<void>, lastAttempt: boolean) => {
    const started = Date.now();
    try {
      await run();
      deps.metrics.jobs.inc({ kind, outcome: 'done' });
    } catch (error) {
      if (lastAttempt) deps.metrics.jobs.inc({ kind, outcome: 'error' });
      throw error;
    } finally {
      deps.metrics.jobSeconds.observe({ kind }, (Date.now() - started) / 1000);
    }
  };
  return reportingFailures(
    (job, context) =>
      // Every line logged while the job runs names its delivery, job, repository and pull request.
      withLogContext(
        {
          deliveryId: job.deliveryId,
          jobId: context.id,
          kind: job.kind,
          ...('pr' in job ? { repo: job.pr.repo.fullName, pr: job.pr.number } : {}),
        },
        async () => {
          switch (job.kind) {
            case 'plan':
              return plan(job, context);
            case 'command':
              return counted('command', () => command(job, context), context.lastAttempt);
            case 'closed':
              return counted('closed', () => closed(job, context), context.lastAttempt);
            case 'reconcile':
              return counted('reconcile', () => reconcile(job, context), context.lastAttempt);
          }
        },
      ),
    deps,
  );
}
