import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Probot } from 'probot';
import type { Settings } from './config/env.js';
import { SluiceError } from './errors.js';
import { GitHubForge } from './forge/github/github-forge.js';
import { githubWebhookRoute } from './forge/github/webhook-route.js';
import { ForgeRegistry } from './forge/registry.js';
import type { Forge } from './forge/types.js';
import { createPlanJobHandler } from './jobs/plan-pull-request.js';
import { createLogger, type Logger } from './logger.js';
import { BullmqJobQueue } from './queue/bullmq/bullmq-queue.js';
import { startBullmqWorkers } from './queue/bullmq/bullmq-workers.js';
import type { JobQueue, WorkerPool } from './queue/types.js';
import { GitMirrors } from './runner/git-mirror.js';
import { createMasker } from './runner/mask.js';
import { createSandbox } from './runner/sandbox.js';
import { findTerraformTool, type ToolInfo } from './runner/tools.js';
import { createDeliveryAcceptor } from './server/accept-delivery.js';
import { buildServer, type WebhookPlugin } from './server/build-server.js';
import { createMetrics } from './server/metrics.js';
import { RedisStore } from './store/redis/redis-store.js';

export interface SluiceRoles {
  /** Serve webhooks and the API. */
  server: boolean;
  /** In-process worker concurrency; 0 for none. */
  workers: number;
}

export interface RunningSluice {
  logger: Logger;
  /** Present when the server role runs. */
  app?: FastifyInstance;
  /** Base URL the server listens on. */
  url?: string;
  queueCounts: JobQueue['counts'];
  close(graceMs?: number): Promise<void>;
}

/** The composition root: every side effect is built here and injected. */
export async function startSluice(
  settings: Settings,
  roles: SluiceRoles,
  overrides: { logger?: Logger } = {},
): Promise<RunningSluice> {
  const masker = createMasker(settings.secrets);
  const logger =
    overrides.logger ?? createLogger({ level: settings.logLevel, mask: (line) => masker.mask(line) });
  if (!settings.redisUrl) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      'REDIS_URL is not set. Start Redis and set REDIS_URL (npm start does both for a local trial).',
    );
  }
  logger.info({ backend: 'redis' }, 'using Redis for queue, locks and store (REDIS_URL is set)');
  await mkdir(settings.dataDir, { recursive: true });

  const store = new RedisStore({ url: settings.redisUrl, prefix: settings.redisPrefix });
  const queueConnection = new Redis(settings.redisUrl, { maxRetriesPerRequest: null });
  const queue = new BullmqJobQueue({ connection: queueConnection, prefix: settings.redisPrefix });
  const metrics = createMetrics(queue);

  const forges: Forge[] = [];
  const webhooks: WebhookPlugin[] = [];
  const accept = createDeliveryAcceptor({ store, queue, logger, metrics });
  if (settings.github) {
    const probot = new Probot({
      appId: settings.github.appId,
      privateKey: settings.github.privateKey,
      baseUrl: settings.github.baseUrl,
      log: logger.child({ component: 'probot' }),
    });
    forges.push(new GitHubForge({ probot }));
    webhooks.push({
      plugin: githubWebhookRoute as WebhookPlugin['plugin'],
      options: {
        path: settings.github.webhookPath,
        secret: settings.github.webhookSecret,
        maxBytes: settings.webhookMaxBytes,
        accept,
      },
    });
  } else {
    logger.warn('no forge is configured: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET (see README)');
  }
  const registry = new ForgeRegistry(forges);

  let pool: WorkerPool | undefined;
  if (roles.workers > 0) {
    const sandbox = await createSandbox({
      mode: settings.sandbox,
      network: settings.sandboxNetwork,
      readOnlyPaths: [],
      // Invisible even where a system directory holds them (e.g. an install under /usr/src/app).
      hide: [settings.dataDir, process.cwd(), ...settings.secretFiles],
    });
    logger.info({ sandbox: sandbox.mode, reason: sandbox.reason }, 'sandbox ready');
    let tool: Promise<ToolInfo> | undefined;
    const handler = createPlanJobHandler({
      forges: registry,
      store,
      mirrors: new GitMirrors({ root: join(settings.dataDir, 'git') }),
      sandbox,
      tool: () => (tool ??= findTerraformTool()),
      masker,
      logger,
      metrics,
      dataDir: settings.dataDir,
      stepTimeoutMs: settings.stepTimeoutMs,
      parallelPlans: settings.parallelPlans,
      templatesDir: settings.templatesDir,
      publicUrl: settings.publicUrl,
    });
    pool = await startBullmqWorkers({
      redisUrl: settings.redisUrl,
      prefix: settings.redisPrefix,
      concurrency: roles.workers,
      handler,
      logger,
    });
  }

  let app: FastifyInstance | undefined;
  let url: string | undefined;
  if (roles.server) {
    app = await buildServer({ logger, metrics, ready: () => store.ping(), webhooks });
    url = await app.listen({ host: settings.host, port: settings.port });
    logger.info({ url, forges: registry.kinds }, 'server listening');
  }

  return {
    logger,
    app,
    url,
    queueCounts: () => queue.counts(),
    async close(graceMs) {
      await app?.close();
      await pool?.close(graceMs);
      await queue.close();
      queueConnection.disconnect();
      await store.close();
    },
  };
}
