import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { JobQueue } from '../queue/types.js';
import { SLUICE_VERSION } from '../version.js';

export interface Metrics {
  registry: Registry;
  webhooks: Counter<'outcome'>;
  jobs: Counter<'kind' | 'outcome'>;
  jobSeconds: Histogram<'kind'>;
}

/**
 * Every metric a Sluice process exposes on /metrics (the server on PORT, a worker on
 * SLUICE_METRICS_PORT), listed in docs/metrics.md. Node's own (process_*, nodejs_*) keep their standard
 * names, so the usual Node.js dashboards work; Sluice's carry the `sluice_` prefix and their unit.
 */
export function createMetrics(queue?: JobQueue): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'sluice_build_info',
    help: 'Always 1; the version label says which Sluice this process runs.',
    labelNames: ['version'],
    registers: [registry],
  }).set({ version: SLUICE_VERSION }, 1);
  const webhooks = new Counter({
    name: 'sluice_webhooks_total',
    help: 'Webhook deliveries by outcome (enqueued, duplicate, ignored, stale, rejected).',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'sluice_jobs_total',
    help: 'Jobs finished by kind and outcome.',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  const jobSeconds = new Histogram({
    name: 'sluice_job_duration_seconds',
    help: 'Job run time.',
    labelNames: ['kind'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 900, 1800],
    registers: [registry],
  });
  if (queue) {
    new Gauge({
      name: 'sluice_queue_jobs',
      help: 'Jobs in the queue by state.',
      labelNames: ['state'],
      registers: [registry],
      async collect() {
        const counts = await queue.counts();
        for (const [state, n] of Object.entries(counts)) this.set({ state }, n);
      },
    });
  }
  return { registry, webhooks, jobs, jobSeconds };
}
