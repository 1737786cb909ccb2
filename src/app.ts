import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { renderNotice } from './comments/render.js';
import type { Settings } from './config/env.js';
import { gateJobs } from './config/job-gate.js';
import { readAppYml } from './forge/github/app-manifest.js';
import { createGitHubForge } from './forge/github/create-github-forge.js';
import { manifestSetupRoute } from './forge/github/manifest-setup-route.js';
import { type AppCredentials, saveAppCredentials } from './forge/github/save-app-credentials.js';
import { githubWebhookRoute } from './forge/github/webhook-route.js';
import { GitLabForge } from './forge/gitlab/gitlab-forge.js';
import { gitlabWebhookRoute } from './forge/gitlab/webhook-route.js';
import { ForgeRegistry } from './forge/registry.js';
import type { Forge } from './forge/types.js';
import { createJobHandler } from './jobs/handle-job.js';
import { requireSandbox } from './jobs/require-sandbox.js';
import { warnUnsandboxed } from './jobs/warn-unsandboxed.js';
import { createLogger, type Logger } from './logger.js';
import { openBackend } from './open-backend.js';
import type { JobQueue, WorkerPool } from './queue/types.js';
import { type DbtToolInfo, findDbtTool } from './runner/dbt/dbt-tool.js';
import { GitMirrors } from './runner/git-mirror.js';
import { findInstalledTools, type InstalledTools } from './runner/installed-tools.js';
import { createMasker } from './runner/mask.js';
import { createSandbox, DEFAULT_EGRESS_HOSTS, type SandboxProblem } from './runner/sandbox.js';
import { createDeliveryAcceptor } from './server/accept-delivery.js';
import { buildServer, type WebhookPlugin } from './server/build-server.js';
import { createMetrics } from './server/metrics.js';
import { loadPlanKey } from './store/plan-key.js';
import { logPlanKey, tamperedLogLine } from './store/plan-key-log.js';
import { anonymousRedisWarning, redisAcceptsAnonymous } from './store/redis/redis-auth-probe.js';
import { createSealer } from './store/seal.js';
import { sealedStore } from './store/sealed-store.js';

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
  /** Schedules a lock reconciliation now (it also runs periodically and at start). */
  reconcileNow(): Promise<void>;
  close(graceMs?: number): Promise<void>;
}

/** The composition root: every side effect is built here and injected. */
export async function startSluice(
  settings: Settings,
  roles: SluiceRoles,
  overrides: { logger?: Logger } = {},
): Promise<RunningSluice> {
  await mkdir(settings.dataDir, { recursive: true });
  const planKey = await loadPlanKey(settings.planKey);
  const masker = createMasker([...settings.secrets, planKey.text]);
  const logger =
    overrides.logger ?? createLogger({ level: settings.logLevel, mask: (line) => masker.mask(line) });
  const backend = openBackend(settings);
  logger.info({ backend: backend.name }, backend.reason);
  logPlanKey(logger, planKey, settings);
  const warnings: string[] = [];
  if (settings.redisUrl && (await redisAcceptsAnonymous(settings.redisUrl))) {
    warnings.push(anonymousRedisWarning(settings.redisUrl));
    logger.warn(anonymousRedisWarning(settings.redisUrl));
  }
  const { queue, locks } = backend;
  const store = sealedStore(backend.store, createSealer(planKey.bytes), (record) =>
    logger.error({ record }, tamperedLogLine(record)),
  );
  const metrics = createMetrics(queue);

  const forges: Forge[] = [];
  const webhooks: WebhookPlugin[] = [];
  const accept = createDeliveryAcceptor({
    store,
    queue,
    logger,
    metrics,
    appName: settings.appName,
    replayWindowMs: settings.replayWindowMs,
  });
  if (settings.github) {
    forges.push(createGitHubForge(settings.github, logger));
    webhooks.push({
      plugin: githubWebhookRoute as WebhookPlugin['plugin'],
      options: {
        path: settings.github.webhookPath,
        secret: settings.github.webhookSecret,
        maxBytes: settings.webhookMaxBytes,
        accept,
      },
    });
  }
  if (settings.gitlab) {
    const gitlab = new GitLabForge({ url: settings.gitlab.url, token: settings.gitlab.token });
    forges.push(gitlab);
    // Ask now who the token belongs to: a wrong GITLAB_TOKEN shows at start, and no note waits on it.
    gitlab
      .botUserId()
      .catch((error: Error) => logger.warn({ err: error }, 'GitLab did not say who GITLAB_TOKEN belongs to'));
    webhooks.push({
      plugin: gitlabWebhookRoute as WebhookPlugin['plugin'],
      options: {
        path: settings.gitlab.webhookPath,
        secret: settings.gitlab.webhookSecret,
        signingToken: settings.gitlab.webhookSigningToken,
        maxBytes: settings.webhookMaxBytes,
        accept,
        botUserId: () => gitlab.botUserId(),
      },
    });
  }
  // Until a GitHub App is configured, /setup creates one from app.yml through GitHub's manifest flow.
  const setupToken = settings.github ? undefined : randomBytes(16).toString('hex');
  if (setupToken) {
    webhooks.push({
      plugin: manifestSetupRoute as WebhookPlugin['plugin'],
      options: {
        token: setupToken,
        appYml: readAppYml(),
        webhookPath: '/api/github/webhooks',
        publicUrl: settings.publicUrl,
        githubUrl: 'https://github.com',
        apiUrl: 'https://api.github.com',
        save: (credentials: AppCredentials) => saveAppCredentials(settings.dataDir, credentials),
      },
    });
  }
  if (forges.length === 0) {
    logger.warn(
      'no forge is configured: set APP_ID, PRIVATE_KEY and WEBHOOK_SECRET, or GITLAB_TOKEN and GITLAB_WEBHOOK_SECRET (see README)',
    );
  }
  const registry = new ForgeRegistry(forges);

  let pool: WorkerPool | undefined;
  /** Why this process's workers cannot run steps: /readyz says so. */
  let sandboxProblem: SandboxProblem | undefined;
  if (roles.workers > 0) {
    const sandbox = await createSandbox({
      mode: settings.sandbox,
      network: settings.sandboxNetwork,
      readOnlyPaths: [],
      // Hidden: Sluice's install (from where its code is, never the working directory), its data and the key's folder.
      dataDir: settings.dataDir,
      secretFiles: settings.secretFiles,
      egressHosts: [...DEFAULT_EGRESS_HOSTS, ...settings.egressHosts],
      limits: settings.stepLimits,
      onEgressRefused: (refusal) =>
        logger.warn(refusal, 'egress proxy refused a connection from a sandboxed step'),
    });
    sandboxProblem = sandbox.problem;
    if (sandbox.problem) {
      logger.error(
        { sandbox: sandbox.mode, cause: sandbox.problem.cause, fix: sandbox.problem.fix },
        `sandbox unavailable: no plan or apply will run until it is fixed. Cause: ${sandbox.problem.cause}. Fix: ${sandbox.problem.fix}`,
      );
    } else if (sandbox.mode === 'none') {
      logger.warn({ sandbox: sandbox.mode, reason: sandbox.reason }, sandbox.reason);
    } else {
      logger.info({ sandbox: sandbox.mode, reason: sandbox.reason }, 'sandbox ready');
    }
    // Unsandboxed on purpose: every comment the workers write says so.
    const unsandboxedWarning =
      sandbox.mode === 'none'
        ? await renderNotice('unsandboxed-warning', {}, settings.templatesDir)
        : undefined;
    const workerForges = unsandboxedWarning
      ? new ForgeRegistry(forges.map((forge) => warnUnsandboxed(forge, unsandboxedWarning)))
      : registry;
    // Read once: a newly installed version is found after a restart.
    let tools: Promise<InstalledTools> | undefined;
    const installedTools = () =>
      (tools ??= findInstalledTools({ extra: settings.extraTools }).then(
        (found) => {
          for (const problem of found.problems) logger.warn(problem);
          logger.info({ tools: found.all.map((t) => `${t.name} ${t.version}`) }, 'tools found');
          return found;
        },
        (error: unknown) => {
          tools = undefined;
          throw error;
        },
      ));
    let dbtTool: Promise<DbtToolInfo> | undefined;
    const handler = createJobHandler({
      forges: workerForges,
      store,
      locks,
      queue,
      rules: settings.rules,
      appName: settings.appName,
      mirrors: new GitMirrors({ root: join(settings.dataDir, 'git') }),
      sandbox,
      tool: () => installedTools().then((found) => found.default),
      tools: installedTools,
      // Not kept when missing: provisioning dbt later needs no restart.
      dbtTool: () =>
        (dbtTool ??= findDbtTool().catch((error: unknown) => {
          dbtTool = undefined;
          throw error;
        })),
      masker,
      logger,
      metrics,
      dataDir: settings.dataDir,
      stepTimeoutMs: settings.stepTimeoutMs,
      jobLeaseMs: settings.jobLeaseMs,
      applyStopGraceMs: settings.applyStopGraceMs,
      applyRecoveryWaitMs: settings.applyRecoveryWaitMs,
      parallelPlans: settings.parallelPlans,
      templatesDir: settings.templatesDir,
      publicUrl: settings.publicUrl,
    });
    // Repositories, autoplans and fork pull requests the server config turns off are dropped before any work.
    // Fail closed: without a working sandbox, jobs that would run PR code are refused and the PR told why.
    const guarded = requireSandbox(handler, {
      problem: sandbox.problem,
      forges: workerForges,
      rules: settings.rules,
      store,
      logger,
      appName: settings.appName,
      templatesDir: settings.templatesDir,
    });
    const gated = gateJobs(guarded, {
      rules: settings.rules,
      forges: workerForges,
      logger,
      appName: settings.appName,
      store,
    });
    pool = await backend.startWorkers({ concurrency: roles.workers, handler: gated, logger });
  }

  let app: FastifyInstance | undefined;
  let url: string | undefined;
  if (roles.server) {
    const ready = async () => {
      await backend.ping();
      if (sandboxProblem) {
        throw new Error(`the sandbox is unavailable: ${sandboxProblem.cause}. Fix: ${sandboxProblem.fix}`);
      }
    };
    app = await buildServer({ logger, metrics, ready, warnings: () => warnings, webhooks });
    url = await app.listen({ host: settings.host, port: settings.port });
    logger.info({ url, forges: registry.kinds }, 'server listening');
    if (setupToken) {
      const setupUrl = `${(settings.publicUrl ?? url).replace(/\/+$/, '')}/setup?token=${setupToken}`;
      // Only a warning when nothing is connected: a GitLab-only server needs no GitHub App.
      logger[forges.length === 0 ? 'warn' : 'info'](
        { setupUrl },
        `no GitHub App yet: open ${setupUrl} to create one from app.yml`,
      );
    }
  }
  if (!roles.server && roles.workers > 0) {
    // A worker process serves no webhooks: a listener of its own for /metrics, /healthz and /readyz.
    // Not binding (the port is taken) costs only the metrics, so the worker runs on and says why.
    const listener = await buildServer({ logger, metrics, ready: () => backend.ping(), webhooks: [] });
    try {
      url = await listener.listen({ host: settings.host, port: settings.metricsPort });
      app = listener;
      logger.info({ url }, 'worker metrics and health listening');
    } catch (error) {
      await listener.close();
      logger.error(
        { err: error, port: settings.metricsPort },
        'worker metrics and health are not served: could not listen on SLUICE_METRICS_PORT; set another port (0 picks a free one)',
      );
    }
  }
  // Locks whose PR closed while no webhook reached Sluice are released by a periodic reconciliation.
  const reconcile = () =>
    queue
      .enqueue({ kind: 'reconcile', deliveryId: `reconcile-${new Date().toISOString()}` })
      .catch((error) => logger.warn({ err: error }, 'could not schedule lock reconciliation'));
  const reconciler = roles.server ? setInterval(reconcile, settings.reconcileMs) : undefined;
  reconciler?.unref();
  if (roles.server) await reconcile();

  return {
    logger,
    app,
    url,
    queueCounts: () => queue.counts(),
    reconcileNow: async () => {
      await reconcile();
    },
    async close(graceMs) {
      clearInterval(reconciler);
      await app?.close();
      await pool?.close(graceMs);
      await backend.close();
    },
  };
}
