import type { Delivery } from '../forge/events.js';
import type { Logger } from '../logger.js';
import type { JobQueue } from '../queue/types.js';
import { prKey } from '../store/keys.js';
import type { Store } from '../store/types.js';
import type { Metrics } from './metrics.js';

export type AcceptOutcome = 'enqueued' | 'duplicate' | 'ignored' | 'stale';

export interface AcceptResult {
  outcome: AcceptOutcome;
  jobId?: string;
}

export type AcceptDelivery = (delivery: Delivery) => Promise<AcceptResult>;

/**
 * The forge-neutral part of every webhook: dedupe, map to a job, enqueue. Milliseconds, no forge calls;
 * the real work happens in workers.
 */
export function createDeliveryAcceptor(deps: {
  store: Store;
  queue: JobQueue;
  logger: Logger;
  metrics: Metrics;
}): AcceptDelivery {
  const accept = acceptor(deps);
  return async (delivery) => {
    const result = await accept(delivery);
    deps.metrics.webhooks.inc({ outcome: result.outcome });
    return result;
  };
}

function acceptor({ store, queue }: { store: Store; queue: JobQueue }): AcceptDelivery {
  return async (delivery) => {
    const event = delivery.event;
    if (event?.kind !== 'pull_request.updated') return { outcome: 'ignored' };
    if (!(await store.deliveries.claim(delivery.forge, delivery.id))) return { outcome: 'duplicate' };
    try {
      const key = prKey(event.pr);
      const advanced = await store.heads.advance(key, { sha: event.headSha, updatedAt: event.updatedAt });
      if (!advanced) return { outcome: 'stale' };
      const { id } = await queue.enqueue({
        kind: 'plan',
        pr: event.pr,
        headSha: event.headSha,
        trigger: 'autoplan',
        deliveryId: delivery.id,
      });
      await queue.supersede(key, event.headSha);
      return { outcome: 'enqueued', jobId: id };
    } catch (error) {
      // Let the forge's redelivery try again: nothing was enqueued for this delivery.
      await store.deliveries.release(delivery.forge, delivery.id).catch(() => {});
      throw error;
    }
  };
}
