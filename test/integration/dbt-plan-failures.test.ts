import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prSchemaName } from '../../src/dbt/pr-profile.js';
import { renderDbtPlan } from '../../src/dbt/render-plan.js';
import type { Project } from '../../src/projects/types.js';
import { type DbtToolInfo, findDbtTool } from '../../src/runner/dbt/dbt-tool.js';
import { planDbtProject } from '../../src/runner/dbt/plan-dbt-project.js';
import { createMasker, type Masker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { buildProduction, copyShop, editFile } from './dbt-support.js';

const project: Project = { name: 'shop', dir: 'shop', workspace: 'default', type: 'dbt', reason: 'changed' };

/** In the server's environment only: a plan must never see it. */
const SERVER_SECRET = 'server-secret-4b1d9e7f2a';
/** Passed to dbt on purpose (a warehouse password), and known to the masker. */
const PASSED_SECRET = 'warehouse-pw-8c2e6a1f3d';
/** In a file outside the checkout. */
const FILE_SECRET = 'file-secret-7e3a9c5b1f';

describe.skipIf(process.env.SLUICE_SKIP_DBT === '1')('planDbtProject when the plan must fail', () => {
  let root: string;
  let secretDir: string;
  let tool: DbtToolInfo;
  let sandbox: Sandbox;
  let production: { manifest: string };

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-dbt-fail-'));
    secretDir = await mkdtemp(join(tmpdir(), 'sluice-dbt-secret-'));
    await writeFile(join(secretDir, 'key.txt'), `${FILE_SECRET}\n`);
    process.env.SLUICE_TEST_SERVER_SECRET = SERVER_SECRET;
    tool = await findDbtTool();
    sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [], hide: [secretDir] });
    await copyShop(join(root, 'production', 'shop'));
    production = await buildProduction(
      tool,
      join(root, 'production', 'shop'),
      join(root, 'production-target'),
      false,
    );
  });
  afterAll(async () => {
    delete process.env.SLUICE_TEST_SERVER_SECRET;
    await rm(root, { recursive: true, force: true });
    await rm(secretDir, { recursive: true, force: true });
  });

  async function plan(
    name: string,
    edit: (projectDir: string) => Promise<void>,
    extra: { env?: Record<string, string>; masker?: Masker } = {},
  ) {
    const checkout = join(root, name, 'checkout');
    await cp(join(root, 'production'), checkout, { recursive: true });
    await edit(join(checkout, 'shop'));
    const artifactDir = join(root, name, 'artifacts');
    const outcome = await planDbtProject({
      project,
      checkoutDir: checkout,
      artifactDir,
      tool,
      sandbox,
      headSha: 'badc0de123456789badc0de123456789badc0de1',
      schema: prSchemaName(8),
      baseManifest: production.manifest,
      timeoutMs: 120_000,
      signal: new AbortController().signal,
      masker: extra.masker ?? createMasker([]),
      ...(extra.env ? { env: extra.env } : {}),
    });
    return { ...outcome, artifactDir };
  }

  it('fails a breaking contract change that dbt only warns about', async () => {
    const { result } = await plan('contract', async (dir) => {
      await editFile(dir, 'models/marts/customer_orders.sql', (t) =>
        t.replace('  count(o.order_id) as order_count,\n', ''),
      );
      await editFile(dir, 'models/marts/_marts.yml', (t) =>
        t
          .replace('      - name: order_count\n        data_type: bigint\n', '')
          .replace(/, order_count: \d/g, ''),
      );
    });
    expect(result.steps.find((s) => s.name === 'build')?.exitCode).toBe(0);
    expect(result.status).toBe('failed');
    expect(result.breaking).toEqual([
      '`customer_orders`: column `order_count` removed from the enforced contract',
    ]);
    expect(result.changes[0]).toMatchObject({ name: 'customer_orders', category: 'breaking' });
    const markdown = renderDbtPlan(result, { mermaid: false });
    expect(markdown).toContain('dbt plan failed for `shop`: 1 breaking change');
    expect(markdown).toContain('column `order_count` removed from the enforced contract');
  });

  it('says it could not plan, and why, when the project does not parse', async () => {
    const { result } = await plan('parse-error', (dir) =>
      writeFile(join(dir, 'models/broken.sql'), "select * from {{ ref('no_such_model') }}\n"),
    );
    expect(result.status).toBe('error');
    expect(result.error?.step).toBe('parse');
    expect(result.error?.message).toContain("depends on a node named 'no_such_model' which was not found");
    expect(result.steps).toEqual([expect.objectContaining({ name: 'parse', exitCode: 2 })]);
    expect(renderDbtPlan(result, { mermaid: true })).toContain('dbt could not plan `shop`');
  });

  it('keeps exit code 1 apart: dbt ran, a unit test failed, and its model was skipped', async () => {
    const { result } = await plan('unit-test', (dir) =>
      editFile(dir, 'models/marts/customer_orders.sql', (t) => t.replace('count(o.order_id)', 'count(*)')),
    );
    expect(result.steps.find((s) => s.name === 'build')?.exitCode).toBe(1);
    expect(result.status).toBe('failed');
    expect(result.failures.map((f) => [f.name, f.resourceType, f.status])).toEqual([
      ['customer_orders::counts_orders_per_customer', 'unit_test', 'fail'],
      ['customer_orders', 'model', 'skipped'],
    ]);
    expect(result.unitTests).toMatchObject({ failed: 1 });
    expect(renderDbtPlan(result, { mermaid: true })).toContain('1 node failed');
  });

  it('shows no secret: the server environment is not passed, passed values are masked, outside files are invisible', async () => {
    const masker = createMasker([PASSED_SECRET, SERVER_SECRET]);
    const { result, manifest, artifactDir } = await plan(
      'secrets',
      async (dir) => {
        await writeFile(
          join(dir, 'models/leak.sql'),
          `select '{{ env_var("SLUICE_TEST_SERVER_SECRET", "not-set") }}' as from_server,\n  '{{ env_var("WAREHOUSE_PASSWORD") }}' as passed\n`,
        );
        const secretFile = join(secretDir, 'key.txt');
        // Read when the build runs it: a missing file is an error in DuckDB's read_csv.
        await writeFile(
          join(dir, 'models/thief.sql'),
          `{{ config(materialized='table') }}\nselect * from read_csv('${secretFile}', header = false)\n`,
        );
        // Read while compiling, into the compiled SQL the plan shows: an empty result in the sandbox.
        await writeFile(
          join(dir, 'models/smuggler.sql'),
          `{% set found = run_query("select content from read_text('${secretFile}')") if execute else none %}\n` +
            `select '{{ found.columns[0].values() | join(",") if found else "" }}' as smuggled\n`,
        );
      },
      { env: { WAREHOUSE_PASSWORD: PASSED_SECRET }, masker },
    );
    expect(result.status).toBe('failed');
    expect(result.failures).toEqual([expect.objectContaining({ name: 'thief', status: 'error' })]);
    expect(result.failures[0]?.message).toContain('No files found that match the pattern');
    expect(result.sqlDiffs.find((d) => d.name === 'smuggler')?.diff).toContain("+select '' as smuggled");
    const leak = result.sqlDiffs.find((d) => d.name === 'leak');
    expect(leak?.diff).toContain("'not-set' as from_server");
    expect(leak?.diff).toContain("'***' as passed");
    const everything = [
      JSON.stringify(result),
      renderDbtPlan(result, { mermaid: true }),
      manifest ?? '',
      ...(await readAll(artifactDir, ['target'])),
    ].join('\n');
    for (const secret of [SERVER_SECRET, FILE_SECRET]) expect(everything).not.toContain(secret);
    // Only dbt's own compiled files, which the server never shows unmasked, hold the passed value.
    expect(JSON.stringify(result) + (manifest ?? '')).not.toContain(PASSED_SECRET);
  });
});

/** Every file under `dir` as text, except those under the named subfolders. */
async function readAll(dir: string, skip: string[] = []): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    if (skip.some((s) => path.startsWith(join(dir, s)))) continue;
    out.push(await readFile(path, 'utf8').catch(() => ''));
  }
  return out;
}
