import type { FastifyPluginAsync } from 'fastify';
import { SluiceError } from '../../errors.js';
import type { AcceptDelivery } from '../../server/accept-delivery.js';
import { deliveryLogFields } from '../../server/delivery-log-fields.js';
import { GITHUB, mapGithubWebhook } from './map-webhook.js';
import { verifyGithubSignature } from './verify-signature.js';

export interface GithubWebhookRouteOptions {
  path: string;
  secret: string;
  maxBytes: number;
  accept: AcceptDelivery;
}

/** POST <path>: verify on the raw bytes, parse, map, hand to the forge-neutral acceptor. */
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
    const type = String(request.headers['content-type'] ?? '');
    if (!type.startsWith('application/json')) {
      throw new SluiceError(
        'WEBHOOK_UNSUPPORTED_MEDIA',
        `content type ${type || '(none)'} is not supported: set the webhook content type to application/json.`,
      );
    }
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      throw new SluiceError('WEBHOOK_PAYLOAD_MALFORMED', 'the webhook body is not valid JSON.');
    }
    if (typeof payload !== 'object' || payload === null) {
      throw new SluiceError('WEBHOOK_PAYLOAD_MALFORMED', 'the webhook body is not a JSON object.');
    }
    const event = mapGithubWebhook(name, payload as Parameters<typeof mapGithubWebhook>[1]);
    const result = await options.accept({ id, forge: GITHUB, name, event });
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
