import type { JobHandler } from '../queue/types.js';
import { createCommandJobHandler } from './handle-command.js';
import { createPlanJobHandler } from './plan-pull-request.js';
import { createClosedJobHandler } from './pull-request-closed.js';
import { createReconcileJobHandler } from './reconcile-locks.js';
import type { WorkerDeps } from './worker-deps.js';

/** Routes each job to what it means. */
export function createJobHandler(deps: WorkerDeps): JobHandler {
  const plan = createPlanJobHandler(deps);
  const command = createCommandJobHandler(deps);
  const closed = createClosedJobHandler(deps);
  const reconcile = createReconcileJobHandler(deps);
  return async (job, context) => {
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
  };
}
