import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { JobQueue } from '../queue/types.js';

export interface Metrics {
  registry: Registry;
  webhooks: Counter<'outcome'>;
  jobs: Counter<'kind' | 'outcome'>;
  jobSeconds: Histogram<'kind'>;
}

export function createMetrics(queue?: JobQueue): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });
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
