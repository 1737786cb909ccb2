import { createHash } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { SluiceError } from '../../errors.js';
import type { AcceptDelivery } from '../../server/accept-delivery.js';
import { deliveryLogFields } from '../../server/delivery-log-fields.js';
import { checkContentEncoding, checkJsonContentType, readJsonObject } from '../../server/read-json-body.js';
import { GITHUB, mapGithubWebhook } from './map-webhook.js';
import { verifyGithubSignature } from './verify-signature.js';

export interface GithubWebhookRouteOptions {
  path: string;
  secret: string;
  maxBytes: number;
  accept: AcceptDelivery;
}

/** What GitHub puts in X-GitHub-Event and X-GitHub-Delivery (a GUID); anything else is not GitHub. */
const EVENT_NAME = /^[a-z_]{1,64}$/;
const DELIVERY_ID = /^[A-Za-z0-9-]{1,128}$/;

const CONTENT_TYPE_HINT =
  "choose application/json as the content type in the GitHub App's (or webhook's) settings.";

/**
 * POST <path>: verify on the raw bytes, parse, map, hand to the forge-neutral acceptor. Every refusal is
 * a 4xx with a reason, before anything is stored or enqueued. GitHub's form-encoded mode
 * (`application/x-www-form-urlencoded`, `payload=<json>`) is not supported on purpose: one encoding
 * means one parser to get right, and a GitHub App's webhook is always JSON.
 */
export const githubWebhookRoute: FastifyPluginAsync<GithubWebhookRouteOptions> = async (app, options) => {
  // Encapsulated: only this route receives raw bytes.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: options.maxBytes }, (_req, body, done) =>
    done(null, body),
  );

  app.post(options.path, { bodyLimit: options.maxBytes }, async (request, reply) => {
    const name = request.headers['x-github-event'];
    const id = request.headers['x-github-delivery'];
    if (typeof name !== 'string' || typeof id !== 'string' || !name || !id) {
      throw new SluiceError(
        'WEBHOOK_HEADERS_MISSING',
        'X-GitHub-Event and X-GitHub-Delivery headers are required.',
      );
    }
    if (!EVENT_NAME.test(name) || !DELIVERY_ID.test(id)) {
      throw new SluiceError(
        'WEBHOOK_HEADERS_MISSING',
        'X-GitHub-Event must be an event name (lowercase letters and _) and X-GitHub-Delivery a GUID.',
      );
    }
    const signature = request.headers['x-hub-signature-256'];
    if (typeof signature !== 'string') {
      throw new SluiceError(
        'WEBHOOK_SIGNATURE_MISSING',
        'X-Hub-Signature-256 is missing: set the webhook secret in the GitHub App settings to WEBHOOK_SECRET.',
      );
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    if (!verifyGithubSignature(options.secret, body, signature)) {
      throw new SluiceError(
        'WEBHOOK_SIGNATURE_INVALID',
        'X-Hub-Signature-256 does not match: the GitHub App webhook secret differs from WEBHOOK_SECRET.',
      );
    }
    checkJsonContentType(request.headers['content-type'], CONTENT_TYPE_HINT);
    checkContentEncoding(request.headers['content-encoding'], CONTENT_TYPE_HINT);
    const payload = readJsonObject(body);
    const event = mapGithubWebhook(name, payload);
    // GitHub signs the body only, not the delivery id: the body's hash is what a replay cannot change.
    const bodyHash = createHash('sha256').update(body).digest('hex');
    const result = await options.accept({ id, forge: GITHUB, name, event, bodyHash });
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
