import { createHash } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { SluiceError } from '../../errors.js';
import type { AcceptDelivery } from '../../server/accept-delivery.js';
import { deliveryLogFields } from '../../server/delivery-log-fields.js';
import { checkContentEncoding, checkJsonContentType, readJsonObject } from '../../server/read-json-body.js';
import { GITLAB, mapGitlabWebhook } from './map-webhook.js';
import { verifyGitlabSignature, verifyGitlabToken } from './verify-token.js';

export interface GitlabWebhookRouteOptions {
  path: string;
  /** The webhook's secret token, sent back in `X-Gitlab-Token`. */
  secret: string;
  /** The webhook's signing token (`whsec_…`); when set, every delivery must be signed with it. */
  signingToken?: string;
  maxBytes: number;
  accept: AcceptDelivery;
  /** The id of the GitLab user Sluice acts as (looked up once), so its own notes are not commands. */
  botUserId: () => Promise<number>;
  /** Unix seconds; tests move the clock. */
  now?: () => number;
}

/** GitLab's delivery ids are UUIDs; anything else would only be a key to pollute the delivery log with. */
const DELIVERY_ID = /^[A-Za-z0-9._:-]{1,128}$/;

const CONTENT_TYPE_HINT = 'GitLab sends application/json; check what sits between GitLab and Sluice.';

/**
 * The body hash a replay is recognised by (accept-delivery.ts), for the hooks whose body names one
 * event: a Merge Request Hook carries the MR's `updated_at`, a Note Hook the note's id. A Push Hook
 * has nothing unique in its body (deleting a branch, re-creating it at the same commit and deleting it
 * again sends the same bytes), so it is deduplicated by delivery id only; a replayed push can only
 * start a lock reconciliation, which is idempotent.
 */
function replayHash(name: string, body: Buffer): string | undefined {
  if (name !== 'Merge Request Hook' && name !== 'Note Hook') return undefined;
  return createHash('sha256').update(body).digest('hex');
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * POST <path>: authenticate on the raw bytes (secret token, and the HMAC signature when a signing token
 * is configured), parse, map, hand to the forge-neutral acceptor. Deliveries are deduplicated by
 * `Idempotency-Key` (the same on GitLab's retries), else `X-Gitlab-Event-UUID`; a signed delivery by
 * its signed `webhook-id`, which GitLab sets to the Idempotency-Key, so a replay cannot pick a new key.
 */
export const gitlabWebhookRoute: FastifyPluginAsync<GitlabWebhookRouteOptions> = async (app, options) => {
  // Encapsulated: only this route receives raw bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post(options.path, { bodyLimit: options.maxBytes }, async (request, reply) => {
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const token = header(request, 'x-gitlab-token');
    if (token === undefined) {
      throw new SluiceError(
        'WEBHOOK_SIGNATURE_MISSING',
        "X-Gitlab-Token is missing: set the webhook's secret token to GITLAB_WEBHOOK_SECRET.",
      );
    }
    if (!verifyGitlabToken(options.secret, token)) {
      throw new SluiceError(
        'WEBHOOK_SIGNATURE_INVALID',
        "X-Gitlab-Token does not match: the webhook's secret token differs from GITLAB_WEBHOOK_SECRET.",
      );
    }
    const signedId = options.signingToken ? checkSignature(request, body, options) : undefined;

    const name = header(request, 'x-gitlab-event');
    const id = signedId ?? header(request, 'idempotency-key') ?? header(request, 'x-gitlab-event-uuid');
    if (!name || !id) {
      throw new SluiceError(
        'WEBHOOK_HEADERS_MISSING',
        'X-Gitlab-Event and Idempotency-Key (or X-Gitlab-Event-UUID) headers are required.',
      );
    }
    if (!DELIVERY_ID.test(id) || name.length > 64) {
      throw new SluiceError(
        'WEBHOOK_HEADERS_MISSING',
        'the delivery id (Idempotency-Key, X-Gitlab-Event-UUID or webhook-id) must be a UUID, and X-Gitlab-Event an event name.',
      );
    }
    checkJsonContentType(request.headers['content-type'], CONTENT_TYPE_HINT);
    checkContentEncoding(request.headers['content-encoding'], CONTENT_TYPE_HINT);
    const payload = readJsonObject(body);
    const botUserId = name === 'Note Hook' ? await botUser(options) : undefined;
    const event = mapGitlabWebhook(name, payload, { botUserId });
    const result = await options.accept({ id, forge: GITLAB, name, event, bodyHash: replayHash(name, body) });
    request.log.info(
      {
        deliveryId: id,
        event: name,
        ...deliveryLogFields(event),
        outcome: result.outcome,
        jobId: result.jobId,
      },
      'webhook',
    );
    return reply.code(result.outcome === 'enqueued' ? 202 : 200).send(result);
  });
};

/** Returns the signed `webhook-id`, or throws 401. */
function checkSignature(request: FastifyRequest, body: Buffer, options: GitlabWebhookRouteOptions): string {
  const headers = {
    id: header(request, 'webhook-id'),
    timestamp: header(request, 'webhook-timestamp'),
    signature: header(request, 'webhook-signature'),
  };
  const check = verifyGitlabSignature(options.signingToken ?? '', headers, body, options.now?.());
  if (check === 'missing') {
    throw new SluiceError(
      'WEBHOOK_SIGNATURE_MISSING',
      "webhook-id, webhook-timestamp and webhook-signature are required: set the webhook's signing token to GITLAB_WEBHOOK_SIGNING_TOKEN.",
    );
  }
  if (check === 'invalid') {
    throw new SluiceError(
      'WEBHOOK_SIGNATURE_INVALID',
      "webhook-signature does not match: the webhook's signing token differs from GITLAB_WEBHOOK_SIGNING_TOKEN.",
    );
  }
  if (check === 'stale') {
    throw new SluiceError(
      'WEBHOOK_SIGNATURE_INVALID',
      'webhook-timestamp is more than 5 minutes from the server clock: a replayed delivery, or a clock to fix.',
    );
  }
  return headers.id as string;
}

async function botUser(options: GitlabWebhookRouteOptions): Promise<number> {
  try {
    return await options.botUserId();
  } catch (error) {
    // 503: GitLab redelivers, and its own API answering again is what lets Sluice tell its notes apart.
    throw new SluiceError(
      'NOT_READY',
      `cannot tell Sluice's own notes apart: GitLab did not say who GITLAB_TOKEN belongs to (${(error as Error).message}).`,
    );
  }
}
