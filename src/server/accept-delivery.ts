import { parseCommand } from '../commands/parse-command.js';
import { SluiceError } from '../errors.js';
import type { Delivery, ForgeEvent } from '../forge/events.js';
import type { Logger } from '../logger.js';
import { checkJob, type Job } from '../queue/jobs.js';
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

/** How long a delivery id and a signed body are remembered unless the settings say otherwise: 7 days. */
export const DEFAULT_REPLAY_WINDOW_MS = 7 * 24 * 3600 * 1000;

/** What a 503 asks the sender to wait before redelivering, in seconds (the Retry-After header). */
export const RETRY_AFTER_SECONDS = 30;

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
  /** How long a delivery id and a signed body count as seen (SLUICE_REPLAY_WINDOW_HOURS). */
  replayWindowMs?: number;
  /** Epoch milliseconds; tests move the clock. */
  now?: () => number;
}): AcceptDelivery {
  const accept = acceptor({
    ...deps,
    replayWindowMs: deps.replayWindowMs ?? DEFAULT_REPLAY_WINDOW_MS,
    now: deps.now ?? Date.now,
  });
  return async (delivery) => {
    const result = await accept(delivery);
    deps.metrics.webhooks.inc({ outcome: result.outcome });
    return result;
  };
}

/**
 * The keys a delivery is claimed under: its id (a forge's own redelivery), and the hash of the body its
 * sender signed (the same signed body re-sent under a new id: a replay). Both answer `duplicate`.
 */
function claimKeys(delivery: Delivery): string[] {
  return delivery.bodyHash ? [delivery.id, `body:${delivery.bodyHash}`] : [delivery.id];
}

/**
 * A store or queue that fails mid-delivery: 503 with Retry-After (build-server.ts), never 500. GitHub
 * does not redeliver by itself, but a person (or a script) can, and the claims are released so that
 * redelivery is processed.
 */
function unavailable(error: unknown, logger: Logger, delivery: Delivery): SluiceError {
  logger.error(
    { err: error, deliveryId: delivery.id, forge: delivery.forge },
    'webhook not recorded: store or queue unavailable',
  );
  return new SluiceError(
    'NOT_READY',
    `Sluice cannot reach its store or queue right now, so this delivery was not recorded: redeliver it once /readyz answers ready (in about ${RETRY_AFTER_SECONDS} s).`,
  );
}

function acceptor({
  store,
  queue,
  appName,
  logger,
  replayWindowMs,
  now,
}: {
  store: Store;
  queue: JobQueue;
  appName: string;
  logger: Logger;
  replayWindowMs: number;
  now: () => number;
}): AcceptDelivery {
  return async (delivery) => {
    const mapped = readJob(delivery, appName);
    if (!mapped) return { outcome: 'ignored' };
    checkUpdatedAt(delivery.event, now());
    // Refused before anything is stored: a job a worker would refuse never claims, advances or cancels.
    const job = checkJob(mapped);
    const keys = claimKeys(delivery);
    let claimed: boolean;
    try {
      claimed = await store.deliveries.claimEach(delivery.forge, keys, replayWindowMs);
    } catch (error) {
      throw unavailable(error, logger, delivery);
    }
    if (!claimed) return { outcome: 'duplicate' };
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
      await Promise.all(keys.map((key) => store.deliveries.release(delivery.forge, key).catch(() => {})));
      if (error instanceof SluiceError && error.status < 500) throw error;
      throw unavailable(error, logger, delivery);
    }
  };
}

/** How far ahead of the server's clock a forge's `updated_at` may be (clock skew), and no further. */
export const MAX_CLOCK_SKEW_MS = 24 * 3600 * 1000;

/**
 * A PR's newest head is the one with the latest `updated_at`: a delivery dated in the future (year
 * 9999) would make every real push after it count as older, so the PR would never be planned again.
 */
function checkUpdatedAt(event: ForgeEvent | undefined, now: number): void {
  if (!event || !('updatedAt' in event)) return;
  if (Date.parse(event.updatedAt) <= now + MAX_CLOCK_SKEW_MS) return;
  throw new SluiceError(
    'WEBHOOK_PAYLOAD_MALFORMED',
    `the pull request's updated_at (${event.updatedAt.slice(0, 40)}) is more than a day ahead of Sluice's clock: a forge does not send that; if Sluice's clock is wrong, fix it.`,
  );
}

/** toJob, with a comment the command parser cannot read refused as a 400, never a 500. */
function readJob(delivery: Delivery, appName: string): Job | undefined {
  try {
    return toJob(delivery, appName);
  } catch (error) {
    throw new SluiceError(
      'WEBHOOK_PAYLOAD_MALFORMED',
      `the ${delivery.name} delivery could not be read as a command (${(error as Error).message.slice(0, 100)}).`,
    );
  }
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
