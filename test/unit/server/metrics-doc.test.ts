import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/server/metrics.js';

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8');
const queue = { counts: async () => ({ waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0 }) };

/** Every metric a process registers, with its type and label names. */
async function registered() {
  const metrics = createMetrics(queue as never);
  metrics.jobs.inc({ kind: 'plan', outcome: 'planned' });
  metrics.webhooks.inc({ outcome: 'enqueued' });
  metrics.jobSeconds.observe({ kind: 'plan' }, 3);
  return new Map((await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)]));
}

/** docs/metrics.md's table rows: `| \`name\` | type | labels | meaning |`. */
function documented(): Map<string, { type: string; linuxOnly: boolean }> {
  const rows = new Map<string, { type: string; linuxOnly: boolean }>();
  for (const line of read('docs/metrics.md').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const name = /^`([a-z_:][a-z0-9_:]*)`$/.exec(cells[1] ?? '')?.[1];
    if (name && /^(counter|gauge|histogram|summary)$/.test(cells[2] ?? '')) {
      rows.set(name, { type: cells[2] as string, linuxOnly: (cells[4] ?? '').includes('(Linux)') });
    }
  }
  return rows;
}

describe('docs/metrics.md', () => {
  it('lists exactly the metrics a Sluice process registers, with their types', async () => {
    const actual = await registered();
    const docs = documented();
    const expected = [...docs].filter(([, row]) => process.platform === 'linux' || !row.linuxOnly);

    expect([...actual.keys()].sort()).toEqual(expected.map(([name]) => name).sort());
    for (const [name, row] of expected) expect(`${name}: ${actual.get(name)}`).toBe(`${name}: ${row.type}`);
  });

  it('follows the Prometheus naming conventions: sluice_ only on Sluice’s own metrics, units in names', async () => {
    const actual = await registered();
    for (const [name, type] of actual) {
      if (name.startsWith('sluice_')) {
        if (type === 'counter') expect(name).toMatch(/_total$/);
        if (type === 'histogram') expect(name).toMatch(/_(seconds|bytes)$/);
      } else {
        expect(name).toMatch(/^(process|nodejs)_/);
      }
    }
    expect([...actual.keys()].filter((n) => n.startsWith('sluice_'))).toEqual([
      'sluice_build_info',
      'sluice_webhooks_total',
      'sluice_jobs_total',
      'sluice_job_duration_seconds',
      'sluice_queue_jobs',
    ]);
  });
});

describe('deploy/grafana/sluice-dashboard.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/sluice-dashboard.json')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

  it('is a dashboard with panels that all query something', () => {
    expect(dashboard.panels.length).toBeGreaterThan(5);
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });

  it('queries only metrics Sluice exports (a histogram’s _bucket, _sum and _count series included)', async () => {
    const actual = await registered();
    const used = new Set<string>();
    for (const expr of exprs) {
      // Metric names: identifiers that are not inside {…} label matchers, not functions or keywords.
      const outsideLabels = expr.replace(/\{[^}]*\}/g, ' ').replace(/\[[^\]]*\]/g, ' ');
      for (const [, word] of outsideLabels.matchAll(/([a-z_:][a-z0-9_:]*)\s*(?!\()/g)) {
        if (/^(sluice|process|nodejs)_/.test(word as string)) used.add(word as string);
      }
    }
    const base = (name: string) => {
      const histogram = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
      return histogram && actual.get(histogram) === 'histogram' ? histogram : name;
    };
    expect(used.size).toBeGreaterThan(5);
    for (const name of used) expect(actual.has(base(name)), `${name} is not a registered metric`).toBe(true);
  });
});
