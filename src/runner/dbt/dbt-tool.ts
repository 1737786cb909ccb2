import { access, constants, readdir, readFile, realpath } from 'node:fs/promises';
import { basename, delimiter, dirname, isAbsolute, join } from 'node:path';
import type { Manifest } from '../../dbt/manifest.js';
import type { DbtPlanResult } from '../../dbt/plan-result.js';
import { SluiceError } from '../../errors.js';
import { PROVISIONED_BIN } from '../tools.js';

export interface DbtToolInfo {
  /** The dbt entry point, symlinks resolved (inside its virtualenv when it has one). */
  path: string;
  /** The virtualenv dbt lives in; absent for a system-wide install. */
  venvDir?: string;
  /**
   * What the sandbox must show read-only for dbt to start: the virtualenv and the Python installation
   * it was made from (pyvenv.cfg `home`), whose interpreter and standard library the venv links to.
   */
  readOnly: string[];
  /** Installed distributions named `dbt-*` with their versions, e.g. `{ "dbt-core": "1.11.16", "dbt-duckdb": "1.11.1" }`. */
  packages: Record<string, string>;
  python?: string;
}

/** Finds dbt: the provisioned one (.tools/bin/dbt → .tools/dbt-venv) first, then PATH. */
export async function findDbtTool(pathEnv = process.env.PATH ?? ''): Promise<DbtToolInfo> {
  const dirs = [PROVISIONED_BIN, ...pathEnv.split(delimiter).filter(Boolean)];
  for (const dir of dirs) {
    const candidate = join(dir, 'dbt');
    if (!(await isExecutable(candidate))) continue;
    return describeDbt(await realpath(candidate));
  }
  throw new SluiceError(
    'TOOL_NOT_FOUND',
    'dbt was not found: run scripts/provision.sh (installs dbt-core and dbt-duckdb into .tools/dbt-venv) or put dbt on PATH.',
  );
}

/** What the sandbox needs for the dbt at `path` and which versions it runs, read from the filesystem. */
export async function describeDbt(path: string): Promise<DbtToolInfo> {
  const venvDir = dirname(dirname(path));
  const cfg = await readFile(join(venvDir, 'pyvenv.cfg'), 'utf8').catch(() => undefined);
  if (cfg === undefined) return { path, readOnly: [dirname(path)], packages: {} };
  const settings = parsePyvenvCfg(cfg);
  const readOnly = [venvDir];
  const home = settings.home;
  if (home && isAbsolute(home)) {
    // `home` is the base interpreter's bin dir; its prefix holds lib/pythonX.Y and libpython.
    const real = await realpath(home).catch(() => home);
    readOnly.push(basename(real) === 'bin' ? dirname(real) : real);
  }
  return {
    path,
    venvDir,
    readOnly: [...new Set(readOnly)],
    packages: await dbtPackages(venvDir),
    ...((settings.version ?? settings.version_info)
      ? { python: settings.version ?? settings.version_info }
      : {}),
  };
}

/** `key = value` lines of a virtualenv's pyvenv.cfg. */
export function parsePyvenvCfg(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][\w-]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (match?.[1]) out[match[1]] = match[2] ?? '';
  }
  return out;
}

/** Versions of the venv's `dbt_*` distributions, from their `.dist-info` directory names. */
async function dbtPackages(venvDir: string): Promise<Record<string, string>> {
  const packages: Record<string, string> = {};
  const libs = await readdir(join(venvDir, 'lib')).catch(() => [] as string[]);
  for (const lib of libs.filter((name) => name.startsWith('python'))) {
    const site = join(venvDir, 'lib', lib, 'site-packages');
    for (const entry of await readdir(site).catch(() => [] as string[])) {
      const match = /^(dbt[_-][A-Za-z0-9_]+)-([^-]+)\.dist-info$/.exec(entry);
      if (match?.[1] && match[2]) packages[match[1].toLowerCase().replace(/_/g, '-')] = match[2];
    }
  }
  return packages;
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/** dbt's, the adapter's (named by the manifest) and Python's versions, for the plan's header. */
export function dbtVersions(tool: DbtToolInfo, head?: Manifest): DbtPlanResult['versions'] {
  const adapterName = head?.metadata.adapter_type ?? undefined;
  const adapterVersion = adapterName ? tool.packages[`dbt-${adapterName}`] : undefined;
  const dbt = head?.metadata.dbt_version ?? tool.packages['dbt-core'];
  return {
    ...(dbt ? { dbt } : {}),
    ...(adapterName
      ? { adapter: { name: adapterName, ...(adapterVersion ? { version: adapterVersion } : {}) } }
      : {}),
    ...(tool.python ? { python: tool.python } : {}),
  };
}
