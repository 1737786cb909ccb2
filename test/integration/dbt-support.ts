import { execFile } from 'node:child_process';
import { cp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { DbtToolInfo } from '../../src/runner/dbt/dbt-tool.js';

const run = promisify(execFile);

/** Our own small dbt-duckdb project: seeds, staging views, a contracted mart, a unit test, an exposure. */
export const SHOP_FIXTURE = fileURLToPath(new URL('../fixtures/dbt/shop', import.meta.url));

/** The fixture's files under `shop/`, as a repository holds them (path → text). */
export async function shopRepoFiles(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(SHOP_FIXTURE, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[`shop/${relative(SHOP_FIXTURE, path)}`] = await readFile(path, 'utf8');
  }
  return files;
}

export async function copyShop(dest: string): Promise<void> {
  await cp(SHOP_FIXTURE, dest, { recursive: true });
}

/** Rewrites a file of a project copy; fails when `edit` changes nothing, so a fixture drift is noticed. */
export async function editFile(dir: string, path: string, edit: (text: string) => string): Promise<void> {
  const file = join(dir, path);
  const before = await readFile(file, 'utf8');
  const after = edit(before);
  if (after === before) throw new Error(`editing ${path} changed nothing`);
  await writeFile(file, after);
}

export async function removeFile(dir: string, path: string): Promise<void> {
  await rm(join(dir, path));
}

/**
 * Runs dbt directly (not sandboxed) the way a production deployment would, with the project's own
 * profiles.yml: for building production's state and manifests to compare with.
 */
export async function runDbt(tool: DbtToolInfo, projectDir: string, args: string[]): Promise<string> {
  const { stdout } = await run(tool.path, [...args, '--no-use-colors', '--log-level-file', 'none'], {
    cwd: projectDir,
    env: {
      PATH: '/usr/bin:/bin',
      HOME: projectDir,
      DO_NOT_TRACK: '1',
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
      DBT_PROFILES_DIR: projectDir,
    },
    timeout: 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** `dbt parse` of a project; its manifest.json text. */
export async function parseProject(
  tool: DbtToolInfo,
  projectDir: string,
  targetPath: string,
): Promise<string> {
  await runDbt(tool, projectDir, [
    'parse',
    '--target-path',
    targetPath,
    '--log-path',
    join(targetPath, 'logs'),
  ]);
  return readFile(join(targetPath, 'manifest.json'), 'utf8');
}

/**
 * Builds the fixture as production (schema `main` in the project's shop.duckdb) and returns
 * production's manifest (written by the build, so it has compiled SQL) and, when asked, its catalog.
 */
export async function buildProduction(
  tool: DbtToolInfo,
  projectDir: string,
  targetRoot: string,
  withCatalog: boolean,
): Promise<{ manifest: string; catalog?: string }> {
  const build = join(targetRoot, 'build');
  await runDbt(tool, projectDir, ['build', '--target-path', build, '--log-path', join(targetRoot, 'logs')]);
  const manifest = await readFile(join(build, 'manifest.json'), 'utf8');
  if (!withCatalog) return { manifest };
  const docs = join(targetRoot, 'docs');
  await runDbt(tool, projectDir, [
    'docs',
    'generate',
    '--target-path',
    docs,
    '--log-path',
    join(targetRoot, 'logs'),
  ]);
  return { manifest, catalog: await readFile(join(docs, 'catalog.json'), 'utf8') };
}

/** Rows of a query against a DuckDB warehouse file, read (read-only) with the dbt venv's own duckdb module. */
export async function queryWarehouse(
  tool: DbtToolInfo,
  warehouse: string,
  sql: string,
): Promise<unknown[][]> {
  const python = join(tool.venvDir ?? '', 'bin', 'python');
  const script =
    'import duckdb, json, sys\nc = duckdb.connect(sys.argv[1], read_only=True)\nprint(json.dumps(c.sql(sys.argv[2]).fetchall(), default=str))';
  // Sluice's own jobs may have the file open for writing a moment: DuckDB then refuses readers too.
  for (let attempt = 1; ; attempt++) {
    try {
      const { stdout } = await run(python, ['-c', script, warehouse, sql]);
      return JSON.parse(stdout) as unknown[][];
    } catch (error) {
      if (attempt >= 60 || !String((error as { stderr?: string }).stderr).includes('Could not set lock'))
        throw error;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

/** What the public view `main.<view>` selects from: `schema.table`. */
export async function viewTarget(tool: DbtToolInfo, warehouse: string, view: string): Promise<string> {
  const [row] = await queryWarehouse(
    tool,
    warehouse,
    `select sql from duckdb_views() where schema_name = 'main' and view_name = '${view}'`,
  );
  // `CREATE VIEW x AS SELECT * FROM [db.]schema.table;`: the last two parts.
  const from = /from\s+([\w."]+)/i.exec(String(row?.[0] ?? ''))?.[1] ?? '';
  return from.replace(/"/g, '').split('.').slice(-2).join('.');
}
