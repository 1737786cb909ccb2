import { parseCommand } from '../commands/parse-command.js';
import type { Delivery, ForgeEvent } from '../forge/events.js';
import type { Logger } from '../logger.js';
import type { Job } from '../queue/jobs.js';
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
  /** `@<appName> plan` is a command too. */
  appName: string;
}): AcceptDelivery {
  const accept = acceptor(deps);
  return async (delivery) => {
    const result = await accept(delivery);
    deps.metrics.webhooks.inc({ outcome: result.outcome });
    return result;
  };
}

function acceptor({
  store,
  queue,
  appName,
}: {
  store: Store;
  queue: JobQueue;
  appName: string;
}): AcceptDelivery {
  return async (delivery) => {
    const job = toJob(delivery, appName);
    if (!job) return { outcome: 'ignored' };
    if (!(await store.deliveries.claim(delivery.forge, delivery.id))) return { outcome: 'duplicate' };
    try {
      if (job.kind === 'plan') {
        const key = prKey(job.pr);
        const event = delivery.event as Extract<ForgeEvent, { kind: 'pull_request.updated' }>;
        const advanced = await store.heads.advance(key, { sha: job.headSha, updatedAt: event.updatedAt });
        if (!advanced) return { outcome: 'stale' };
        const { id } = await queue.enqueue(job);
        await queue.supersede(key, job.headSha);
        return { outcome: 'enqueued', jobId: id };
      }
      const { id } = await queue.enqueue(job);
      return { outcome: 'enqueued', jobId: id };
    } catch (error) {
      // Let the forge's redelivery try again: nothing was enqueued for this delivery.
      await store.deliveries.release(delivery.forge, delivery.id).catch(() => {});
      throw error;
    }
  };
}

/** What a delivery asks the workers to do, if anything. Pure and cheap: no forge calls here. */
function toJob(delivery: Delivery, appName: string): Job | undefined {
  const event = delivery.event;
  const deliveryId = delivery.id;
  switch (event?.kind) {
    case 'pull_request.updated':
      return { kind: 'plan', pr: event.pr, headSha: event.headSha, trigger: 'autoplan', deliveryId };
    case 'pull_request.closed':
      return {
        kind: 'closed',
        pr: event.pr,
        merged: event.merged,
        headSha: event.headSha,
        mergeSha: event.mergeSha,
        deliveryId,
      };
    case 'comment.created':
      // Conversation is dropped here; anything that looks like a command (even a wrong one) gets an answer.
      if (parseCommand(event.body, { appName, atlantisAlias: true }).kind === 'ignored') return undefined;
      return {
        kind: 'command',
        pr: event.pr,
        commentId: event.commentId,
        author: event.author,
        body: event.body,
        deliveryId,
      };
    case 'branch.deleted':
      return { kind: 'reconcile', repo: event.repo, deliveryId };
    default:
      return undefined;
  }
}
