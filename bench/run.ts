/**
 * npm run bench — measures, in one run on this machine:
 *  1. signed webhook deliveries per second and p50/p99 acknowledgement latency (load from this process,
 *     server in a child process, both on 127.0.0.1, bounded duration);
 *  2. webhook → posted plan comment for a 1-project and a 20-project PR, on the default GitHub write
 *     budget and unlimited, against plain `tofu init` + `tofu plan` on the same directories; the ratio
 *     Sluice ÷ plain and the forge requests per PR;
 *  3. a dbt Write-Audit-Publish apply of the fixture project (sandboxed: bootstrap, one model changed,
 *     a revert, a rollback) against a plain `dbt build` of the whole project; the ratio Sluice ÷ plain.
 * Prints the figures and records them in bench/RESULTS.md.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { DbtDeployment } from '../src/dbt/deployment.js';
import { applyDbtProject, rollbackDbtProject } from '../src/runner/dbt/apply-dbt-project.js';
import { findDbtTool } from '../src/runner/dbt/dbt-tool.js';
import { createMasker } from '../src/runner/mask.js';
import { createSandbox } from '../src/runner/sandbox.js';
import { findTerraformTool } from '../src/runner/tools.js';
import { startFakeGitHub } from '../test/fakes/github/fake-github.js';
import { copyShop, editFile, runDbt } from '../test/integration/dbt-support.js';
import { pullRequestEvent, signDelivery } from '../test/support/github-webhooks.js';
import { startHarness } from '../test/support/harness.js';
import { freePort, startRedisServer } from '../test/support/redis-server.js';

const run = promisify(execFile);
const ACK_SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);
const ACK_CONCURRENCY = 32;

const project = (name: string) =>
  `${Array.from({ length: 5 }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}`;

/** Stops a detached child and everything in its process group: SIGTERM, then SIGKILL after 10 s. */
async function stopGroup(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid as number), name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  signal('SIGKILL');
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/** Signed deliveries answered per second by a server on Redis (`redisUrl`) or on the embedded backend. */
async function benchAcks(redisUrl: string | undefined) {
  const fake = await startFakeGitHub();
  const port = await freePort();
  const secret = 'bench-secret';
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bench-'));
  // Node itself with tsx's loader (not `npx tsx`, whose grandchild a signal to npx does not reach), in its
  // own process group, so the whole server stops with the benchmark.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'server', '--workers', '0'], {
    detached: true,
    env: {
      // Embedded unless told: a REDIS_URL of the caller's environment is not passed on.
      ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'REDIS_URL')),
      APP_ID: String(fake.appId),
      PRIVATE_KEY: fake.privateKeyPem,
      WEBHOOK_SECRET: secret,
      GHE_HOST: new URL(fake.url).host,
      GHE_PROTOCOL: 'http',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      ...(redisUrl ? { REDIS_URL: redisUrl, SLUICE_REDIS_PREFIX: `bench-${Date.now()}` } : {}),
      SLUICE_DATA_DIR: dataDir,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}/api/github/webhooks`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) break;
    } catch {}
    if (i > 300) throw new Error('server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  // Pre-sign distinct deliveries (distinct PRs, so each one is enqueued, none deduplicated).
  const bodies = Array.from({ length: 4000 }, (_, i) =>
    signDelivery(
      secret,
      'pull_request',
      pullRequestEvent('synchronize', {
        owner: 'acme',
        repo: 'infra',
        installationId: 1,
        number: i + 1,
        headSha: i.toString(16).padStart(40, 'a'),
        baseSha: 'b'.repeat(40),
        branch: `b${i}`,
      }),
    ),
  );
  const latencies: number[] = [];
  const codes = new Map<number, number>();
  let next = 0;
  const end = Date.now() + ACK_SECONDS * 1000;
  const lane = async () => {
    while (Date.now() < end) {
      const signed = bodies[next++ % bodies.length];
      if (!signed) break;
      const started = performance.now();
      const res = await fetch(url, {
        method: 'POST',
        headers: { ...signed.headers, 'x-github-delivery': `bench-${next}` },
        body: signed.body,
      });
      await res.arrayBuffer();
      latencies.push(performance.now() - started);
      codes.set(res.status, (codes.get(res.status) ?? 0) + 1);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: ACK_CONCURRENCY }, lane));
  const seconds = (performance.now() - started) / 1000;
  await stopGroup(child);
  await fake.close();
  await rm(dataDir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  return {
    deliveries: latencies.length,
    perSecond: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    codes: Object.fromEntries(codes),
  };
}

/**
 * Webhook → plan comment for `projects` projects on `throttle` (`on`: Sluice's default GitHub write
 * budget; `off`: no client-side limiting), with the forge requests it made.
 */
async function benchPlan(redisUrl: string, projects: number, throttle: 'on' | 'off') {
  const files = Object.fromEntries(
    Array.from({ length: projects }, (_, i) => [`stacks/p${i}/main.tf`, project(`p${i}`)]),
  );
  const h = await startHarness({
    redisUrl,
    initialFiles: { 'README.md': '# bench\n' },
    env: { LOG_LEVEL: 'warn', SLUICE_PARALLEL_PLANS: '2', SLUICE_GITHUB_THROTTLE: throttle },
  });
  try {
    const started = performance.now();
    const before = h.fake.requests.length;
    const pr = await h.openPullRequest(1, files);
    const status = await h.planDone(pr.headSha, 600_000);
    const sluiceSeconds = (performance.now() - started) / 1000;
    const requests = h.fake.requests.slice(before);
    const writes = requests.filter((r) => r.method !== 'GET' && !r.path.endsWith('/access_tokens')).length;
    if (status.state !== 'success') throw new Error(`bench plan failed: ${status.description}`);

    // The same directories, planned by hand: tofu init + tofu plan, one after the other.
    const tool = await findTerraformTool();
    const plainDir = await mkdtemp(join(tmpdir(), 'sluice-plain-'));
    const plainStarted = performance.now();
    for (const [path, content] of Object.entries(files)) {
      const dir = join(plainDir, path, '..');
      await run('mkdir', ['-p', dir]);
      await writeFile(join(plainDir, path), content);
      await run(tool.path, ['init', '-input=false', '-no-color'], { cwd: dir });
      await run(tool.path, ['plan', '-input=false', '-no-color', '-out=plan.tfplan'], { cwd: dir });
    }
    const plainSeconds = (performance.now() - plainStarted) / 1000;
    await rm(plainDir, { recursive: true, force: true });
    return {
      projects,
      throttle,
      sluiceSeconds,
      plainSeconds,
      ratio: sluiceSeconds / plainSeconds,
      requests: requests.length,
      writes,
    };
  } finally {
    await h.close();
  }
}

/** One WAP apply after another on one warehouse, each timed; then a plain `dbt build` of everything. */
async function benchDbt() {
  const tool = await findDbtTool();
  const sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
  const root = await mkdtemp(join(tmpdir(), 'sluice-bench-dbt-'));
  const warehouseDir = join(root, 'warehouse');
  await run('mkdir', ['-p', warehouseDir]);
  const deployments: DbtDeployment[] = [];
  let n = 0;
  const session = async (edit?: (dir: string) => Promise<void>) => {
    const checkoutDir = join(root, `checkout-${++n}`);
    await copyShop(join(checkoutDir, 'shop'));
    await edit?.(join(checkoutDir, 'shop'));
    return {
      project: {
        name: 'shop',
        dir: 'shop',
        workspace: 'default',
        type: 'dbt' as const,
        reason: 'changed' as const,
      },
      checkoutDir,
      artifactDir: join(root, `artifacts-${n}`),
      tool,
      sandbox,
      env: { SHOP_DUCKDB_PATH: join(warehouseDir, 'shop.duckdb') },
      writable: [warehouseDir],
      timeoutMs: 300_000,
      signal: new AbortController().signal,
      masker: createMasker([]),
    };
  };
  const timed = async (label: string, edit?: (dir: string) => Promise<void>) => {
    const started = performance.now();
    const outcome = await applyDbtProject({
      ...(await session(edit)),
      current: deployments[0],
      deployments,
      retentionMs: 7 * 24 * 3600 * 1000,
      now: () => new Date(),
    });
    const seconds = (performance.now() - started) / 1000;
    if (outcome.status !== 'applied' || !outcome.deployment)
      throw new Error(`bench dbt ${label}: ${outcome.message}`);
    deployments.unshift({
      ...outcome.deployment,
      id: String(n),
      kind: 'apply',
      project: { name: 'shop', dir: 'shop' },
      sha: String(n).padStart(40, '0'),
      at: new Date().toISOString(),
    });
    return { label, seconds, built: outcome.deployment.built.length };
  };
  try {
    const change = (dir: string) =>
      editFile(dir, 'models/marts/daily_revenue.sql', (t) => t.replace('order_date', 'order_date '));
    const rows = [
      await timed('bootstrap (everything new)'),
      await timed('one mart changed', change),
      await timed('revert (earlier tables reused)'),
    ];
    const [current, previous] = deployments;
    if (!current || !previous) throw new Error('bench dbt: two deployments expected');
    const started = performance.now();
    const rolled = await rollbackDbtProject({ ...(await session()), current, restore: previous });
    if (rolled.status !== 'applied') throw new Error(`bench dbt rollback: ${rolled.message}`);
    rows.push({ label: 'rollback', seconds: (performance.now() - started) / 1000, built: 0 });
    // Plain: the whole project built by hand, unsandboxed, into a warehouse of its own.
    const plainDir = join(root, 'plain');
    await copyShop(join(plainDir, 'shop'));
    const plainStarted = performance.now();
    await runDbt(tool, join(plainDir, 'shop'), ['build', '--target-path', join(plainDir, 'target')]);
    const plainSeconds = (performance.now() - plainStarted) / 1000;
    return { rows, plainSeconds };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function main() {
  const redis = await startRedisServer();
  try {
    const tool = await findTerraformTool();
    const acks = [
      { backend: 'Redis', ...(await benchAcks(redis.url)) },
      { backend: 'embedded (SQLite)', ...(await benchAcks(undefined)) },
    ];
    const plans = [];
    for (const projects of [1, 20]) {
      for (const throttle of ['on', 'off'] as const)
        plans.push(await benchPlan(redis.url, projects, throttle));
    }
    const dbt = await benchDbt();
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${tool.name} ${tool.version}`;
    const lines = [
      `## ${new Date().toISOString().slice(0, 10)} — ${machine}`,
      '',
      `Webhook acknowledgement (${ACK_SECONDS} s, ${ACK_CONCURRENCY} concurrent connections, signed distinct deliveries, each enqueued; server with no workers):`,
      '',
      `| backend | deliveries | per second | p50 ms | p99 ms | responses |`,
      `|---|---|---|---|---|---|`,
      ...acks.map(
        (a) =>
          `| ${a.backend} | ${a.deliveries} | ${a.perSecond.toFixed(0)} | ${a.p50.toFixed(2)} | ${a.p99.toFixed(2)} | ${JSON.stringify(a.codes)} |`,
      ),
      '',
      'Webhook → plan comment posted, against plain `tofu init` + `tofu plan` (sequential) on the same directories (SLUICE_PARALLEL_PLANS=2, sandbox on); GitHub writes on the default budget (`on`) and unlimited (`off`), with the API requests the PR cost:',
      '',
      `| projects | GitHub writes | Sluice s | plain s | Sluice ÷ plain | requests | of them writes |`,
      `|---|---|---|---|---|---|---|`,
      ...plans.map(
        (p) =>
          `| ${p.projects} | ${p.throttle === 'on' ? 'default budget' : 'unlimited'} | ${p.sluiceSeconds.toFixed(2)} | ${p.plainSeconds.toFixed(2)} | ${p.ratio.toFixed(2)} | ${p.requests} | ${p.writes} |`,
      ),
      '',
      `dbt Write-Audit-Publish apply of the fixture (6 models and seeds; parse, list, build, publish, catalog, collect; sandboxed), against a plain \`dbt build\` of the whole project (${dbt.plainSeconds.toFixed(2)} s, unsandboxed):`,
      '',
      '| apply | built | Sluice s | Sluice ÷ plain build |',
      '|---|---|---|---|',
      ...dbt.rows.map(
        (r) =>
          `| ${r.label} | ${r.built} | ${r.seconds.toFixed(2)} | ${(r.seconds / dbt.plainSeconds).toFixed(2)} |`,
      ),
      '',
    ];
    const text = lines.join('\n');
    console.log(text);
    const file = join(import.meta.dirname, 'RESULTS.md');
    const previous = await import('node:fs/promises').then((fs) =>
      fs.readFile(file, 'utf8').catch(() => '# Benchmark results\n\n'),
    );
    const [head, ...rest] = previous.split('\n## ');
    await writeFile(
      file,
      `${head?.trimEnd()}\n\n${text}\n${rest.length ? `\n## ${rest.join('\n## ')}` : ''}`,
    );
  } finally {
    await redis.destroy();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
