import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Project } from '../../src/projects/types.js';
import { openDbtSession } from '../../src/runner/dbt/dbt-session.js';
import { type DbtToolInfo, findDbtTool } from '../../src/runner/dbt/dbt-tool.js';
import { PLAN_RESULT_FILE, planDbtProject } from '../../src/runner/dbt/plan-dbt-project.js';
import { createMasker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { copyShop } from '../integration/dbt-support.js';

const project: Project = { name: 'shop', dir: 'shop', workspace: 'default', type: 'dbt', reason: 'changed' };
const DATABASE = 'the server database: must never change\n';

/**
 * The pull request's commit (git keeps symlinks) or an earlier step puts a link where Sluice writes
 * its dbt files (profiles.yml, production's state, dbt-plan.json, its macros), pointing outside
 * every sandbox folder, at a file standing in for the store or the App's key.
 */
describe('server writes around dbt steps never follow a planted link', () => {
  let root: string;
  let outside: string;
  let database: string;
  let tool: DbtToolInfo;
  let sandbox: Sandbox;
  let counter = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-dbt-writes-'));
    outside = await mkdtemp(join(tmpdir(), 'sluice-data-'));
    database = join(outside, 'sluice.db');
    await writeFile(database, DATABASE);
    tool = await findDbtTool();
    sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [] });
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  /** A checkout with the shop project, changed by `plant`; and its own artifact folder. */
  async function checkout(plant: (projectDir: string, artifactDir: string) => Promise<void>) {
    const dir = join(root, String(counter++));
    await copyShop(join(dir, 'checkout', 'shop'));
    await mkdir(join(dir, 'artifacts'), { recursive: true });
    await plant(join(dir, 'checkout', 'shop'), join(dir, 'artifacts'));
    return {
      project,
      checkoutDir: join(dir, 'checkout'),
      artifactDir: join(dir, 'artifacts'),
      tool,
      sandbox,
      timeoutMs: 120_000,
      signal: new AbortController().signal,
      masker: createMasker([]),
    };
  }
  const outsideFiles = async () => (await readdir(outside)).sort();

  it('a committed `macros/__sluice__` link to a folder outside: the macros are refused, nothing written there', async () => {
    const options = await checkout((projectDir) =>
      symlink(outside, join(projectDir, 'macros', '__sluice__')),
    );
    const opened = await openDbtSession(options);
    if (!opened.ok) throw new Error(opened.message);
    const installed = await opened.session.installMacros();
    expect(installed).toEqual({ ok: false, message: expect.stringContaining('`macros/__sluice__`') });
    expect(await outsideFiles()).toEqual(['sluice.db']);
  });

  it('a committed `__sluice__/sluice_wap.sql` link to the database: refused, the database unchanged', async () => {
    const options = await checkout(async (projectDir) => {
      await mkdir(join(projectDir, 'macros', '__sluice__'));
      await symlink(database, join(projectDir, 'macros', '__sluice__', 'sluice_wap.sql'));
    });
    const opened = await openDbtSession(options);
    if (!opened.ok) throw new Error(opened.message);
    expect((await opened.session.installMacros()).ok).toBe(false);
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });

  it('a macro path that is a link outside the project: refused', async () => {
    const options = await checkout(async (projectDir) => {
      await rm(join(projectDir, 'macros'), { recursive: true });
      await symlink(outside, join(projectDir, 'macros'));
    });
    const opened = await openDbtSession(options);
    if (!opened.ok) throw new Error(opened.message);
    expect(await opened.session.installMacros()).toEqual({
      ok: false,
      message: 'The macro path `macros` points outside the project.',
    });
    expect(await outsideFiles()).toEqual(['sluice.db']);
  });

  it('a `profiles` link left in the artifact folder is not written through', async () => {
    const options = await checkout((_projectDir, artifactDir) =>
      symlink(outside, join(artifactDir, 'profiles')),
    );
    const opened = await openDbtSession(options);
    if (!opened.ok) throw new Error(opened.message);
    expect(relative(options.artifactDir, opened.session.prepared.profilesDir)).toMatch(/^\.\./);
    expect(await outsideFiles()).toEqual(['sluice.db']);
  });

  it('a `dbt-plan.json` link in the artifact folder: the plan result is written in Sluice’s own folder', async () => {
    const options = await checkout((_projectDir, artifactDir) =>
      symlink(database, join(artifactDir, PLAN_RESULT_FILE)),
    );
    const outcome = await planDbtProject({ ...options, headSha: 'c'.repeat(40), schema: 'pr_1' });
    expect(outcome.result.status).toBe('planned');
    expect(relative(options.artifactDir, outcome.resultFile)).toMatch(/^\.\./);
    expect(JSON.parse(await readFile(outcome.resultFile, 'utf8'))).toEqual(outcome.result);
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });
});
