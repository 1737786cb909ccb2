import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import { SluiceError } from '../errors.js';
import type { Logger } from '../logger.js';
import { RETRY_AFTER_SECONDS } from './accept-delivery.js';
import type { Metrics } from './metrics.js';

export interface WebhookPlugin {
  plugin: FastifyPluginAsync<never>;
  options: unknown;
}

export interface ServerOptions {
  logger: Logger;
  metrics: Metrics;
  /** Readiness probe: throws when a dependency (e.g. Redis) is unreachable. */
  ready: () => Promise<void>;
  /** What /readyz reports beside `ready` without failing it (e.g. an open Redis). */
  warnings?: () => readonly string[];
  /** One route plugin per enabled forge, built by the composition root. */
  webhooks: WebhookPlugin[];
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: true,
  });

  app.setErrorHandler((error, request, reply) => {
    const outcome = 'rejected';
    if (error instanceof SluiceError) {
      if (error.status < 500) options.metrics.webhooks.inc({ outcome });
      request.log.warn({ code: error.code, url: request.url }, error.message);
      // A 503 is a promise that the same request will work later: say when to try.
      if (error.status === 503) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return reply.code(error.status).send({ error: error.code, message: error.message });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status === 413) {
      options.metrics.webhooks.inc({ outcome });
      request.log.warn({ code: 'WEBHOOK_PAYLOAD_TOO_LARGE', url: request.url }, 'request body too large');
      return reply.code(413).send({
        error: 'WEBHOOK_PAYLOAD_TOO_LARGE',
        message: 'the request body is larger than SLUICE_WEBHOOK_MAX_BYTES allows.',
      });
    }
    if (status < 500) {
      options.metrics.webhooks.inc({ outcome });
      request.log.warn({ code: 'BAD_REQUEST', url: request.url, status }, (error as Error).message);
      return reply.code(status).send({ error: 'BAD_REQUEST', message: (error as Error).message });
    }
    request.log.error({ err: error }, 'request failed');
    return reply.code(500).send({ error: 'INTERNAL', message: 'internal error; see the server log' });
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await options.ready();
      const warnings = options.warnings?.() ?? [];
      return warnings.length > 0 ? { status: 'ready', warnings } : { status: 'ready' };
    } catch (error) {
      return reply.code(503).send({ status: 'not ready', message: (error as Error).message });
    }
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', options.metrics.registry.contentType);
    return options.metrics.registry.metrics();
  });

  for (const webhook of options.webhooks) {
    await app.register(webhook.plugin, webhook.options as never);
  }
  return app;
}
