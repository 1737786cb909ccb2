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
  return reportingFailures(async (job, context) => {
    switch (job.kind) {
      case 'plan':
        return plan(job, context);
      case 'command':
        return command(job, context);
      case 'closed':
        return closed(job, context);
      case 'reconcile':
        return reconcile(job, context);
    }
  }, deps);
}
