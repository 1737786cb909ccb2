import { lstat, mkdir, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parse } from 'yaml';
import { dbtErrorMessage } from '../../dbt/dbt-output.js';
import { SluiceError } from '../../errors.js';
import type { Project } from '../../projects/types.js';
import type { Masker } from '../mask.js';
import { makeFreshDir, makeServerDir, writeNewFile } from '../safe-write.js';
import type { Sandbox } from '../sandbox.js';
import type { StepResult } from '../types.js';
import { dbtStepRunner } from './dbt-steps.js';
import type { DbtToolInfo } from './dbt-tool.js';
import { type PreparedRun, prepareDbtRun } from './prepare-dbt-run.js';
import { readTextInside, resolveInside } from './read-inside.js';

export interface DbtSessionOptions {
  project: Project;
  /** The job's checkout (writable in the sandbox). */
  checkoutDir: string;
  /** A directory of this run's own, outside the checkout (writable in the sandbox). */
  artifactDir: string;
  /** Where Sluice keeps its own files for the session; default a new one beside `artifactDir`. */
  serverDir?: string;
  tool: DbtToolInfo;
  sandbox: Sandbox;
  /** Folder of the user's profiles.yml relative to the checkout; default the project dir. */
  profilesDir?: string;
  /** The profile output; default the profile's `target`. */
  target?: string;
  /** The PR's schema (plans and their clean-up); absent: the output's own schema. */
  schema?: string;
  /** Production's manifest and catalog, for a plan's `--state` (prepare-dbt-run.ts). */
  baseManifest?: string;
  baseCatalog?: string;
  env?: Readonly<Record<string, string>>;
  /** Paths the admin lets this stage write besides the checkout (a DuckDB warehouse's folder). */
  writable?: readonly string[];
  timeoutMs: number;
  signal: AbortSignal;
  masker: Masker;
  network?: boolean;
  /** Hosts the egress proxy lets these steps reach besides the server's list. */
  allowedHosts?: string[];
}

export interface DbtSession {
  projectDir: string;
  /** The profile, target and production state prepared for dbt. */
  prepared: PreparedRun;
  steps: StepResult[];
  /** Whether the project declares packages (`packages.yml` / `dependencies.yml`): `dbt deps` first. */
  hasPackages(): Promise<boolean>;
  /** The session's dbt target path: runs without `--vars` share it, so dbt parses the project once. */
  targetDir: string;
  /** `dbt <args>` with the session's profile, target and logs, in `targetDir` unless given another. */
  run(name: string, args: string[], targetDir?: string): Promise<StepResult>;
  /**
   * Writes Sluice's macros (sluice_wap.sql) into the checkout's project, so `run-operation` and the
   * build-keyed names work. Refused when the project names its own relations (its own
   * `generate_schema_name` / `generate_alias_name`), which the physical names would override.
   */
  installMacros(): Promise<{ ok: true } | { ok: false; message: string }>;
  /** `dbt run-operation <macro>`; the value it printed as `SLUICE_RESULT <json>`. */
  operation(macro: string, args: Record<string, unknown>): Promise<OperationResult>;
}

export type OperationResult = { ok: true; value: unknown } | { ok: false; step: StepResult; message: string };

export type OpenedSession = { ok: true; session: DbtSession } | { ok: false; step: string; message: string };

const MACRO_FILE = new URL('./sluice_wap.sql', import.meta.url);
const MACRO_DIR = '__sluice__';
const WAREHOUSE_BUSY_TRIES = 30;
const WAREHOUSE_BUSY_WAIT_MS = 2000;
const RESULT_LINE = /^SLUICE_RESULT (.*)$/m;
const OWN_NAMING = /\{%-?\s*macro\s+(generate_schema_name|generate_alias_name)\s*\(/;

/** Profiles prepared and the dbt step runner set up for one project in one checkout. */
export async function openDbtSession(options: DbtSessionOptions): Promise<OpenedSession> {
  await mkdir(options.artifactDir, { recursive: true });
  const projectDir = await resolveInside(options.checkoutDir, options.project.dir);
  if (!projectDir) {
    return {
      ok: false,
      step: 'checkout',
      message: `The directory \`${options.project.dir}\` is not in this commit.`,
    };
  }
  const serverDir = options.serverDir ?? (await makeServerDir(options.artifactDir));
  const prepared = await prepareDbtRun({ ...options, projectDir, serverDir });
  if (!prepared.ok) return prepared;
  const { run } = prepared;
  const home = join(options.artifactDir, 'home');
  await mkdir(home, { recursive: true });
  const dbt = dbtStepRunner({ ...options, projectDir, home, serverDir, profilesDir: run.profilesDir });
  const steps: StepResult[] = [];
  const common = (targetDir: string) => [
    '--target-path',
    targetDir,
    '--log-path',
    join(options.artifactDir, 'logs'),
    '--log-level-file',
    'none',
    '--target',
    run.target,
    '--no-use-colors',
  ];
  const session: DbtSession = {
    projectDir,
    prepared: run,
    steps,
    targetDir: join(options.artifactDir, 'target'),
    async hasPackages() {
      for (const name of ['packages.yml', 'dependencies.yml']) {
        if (await resolveInside(options.checkoutDir, join(projectDir, name))) return true;
      }
      return false;
    },
    async run(name, args, targetDir = session.targetDir) {
      let outcome = await dbt(name, [...args, ...common(targetDir)]);
      // A DuckDB file has one writer at a time: a step that could not even open it ran nothing, so it
      // waits for the other job (a plan, an apply, a clean-up) and tries again.
      for (let wait = 0; wait < WAREHOUSE_BUSY_TRIES && warehouseBusy(outcome); wait++) {
        await new Promise((resolve) => setTimeout(resolve, WAREHOUSE_BUSY_WAIT_MS));
        if (options.signal.aborted) break;
        outcome = await dbt(name, [...args, ...common(targetDir)]);
      }
      steps.push(outcome);
      return outcome;
    },
    async installMacros() {
      const projectYml =
        (await readTextInside(options.checkoutDir, join(projectDir, 'dbt_project.yml'), 1024 * 1024)) ?? '';
      const macroPaths = macroPathsOf(projectYml);
      for (const path of macroPaths) {
        const dir = await resolveInside(projectDir, path);
        if (dir && (await ownNaming(dir))) {
          return {
            ok: false,
            message: `The project defines its own \`generate_schema_name\` or \`generate_alias_name\` (in \`${path}\`). Sluice's Write-Audit-Publish apply names the physical tables itself, so it cannot apply this project; remove the override, or apply it outside Sluice.`,
          };
        }
      }
      const first = macroPaths[0] ?? 'macros';
      const outside = {
        ok: false,
        message: `The macro path \`${first}\` points outside the project.`,
      } as const;
      // The checkout is the pull request's (git keeps symlinks) and steps write in it: never follow a
      // link, never reuse a folder Sluice did not just make.
      let dir = await resolveInside(projectDir, first);
      try {
        if (!dir) {
          // Missing: made here, as a new folder. There but resolving elsewhere: a link out of the project.
          if (await lstat(join(projectDir, first)).catch(() => undefined)) return outside;
          const parent = await resolveInside(projectDir, dirname(first));
          if (!parent) return outside;
          dir = join(parent, basename(first));
          await makeFreshDir(dir, 0o755);
        }
        await makeFreshDir(join(dir, MACRO_DIR), 0o755);
        await writeNewFile(join(dir, MACRO_DIR, 'sluice_wap.sql'), await readFile(MACRO_FILE, 'utf8'), 0o644);
      } catch (error) {
        if (!(error instanceof SluiceError)) throw error;
        return {
          ok: false,
          message: `Sluice could not add its macros to \`${join(first, MACRO_DIR)}\`: the commit or a step already put something there, and Sluice writes only into folders it makes. Remove \`${join(first, MACRO_DIR)}\` from the project.`,
        };
      }
      return { ok: true };
    },
    async operation(macro, args) {
      const step = await session.run(`run-operation ${macro}`, [
        'run-operation',
        macro,
        '--args',
        JSON.stringify(args),
      ]);
      const line = RESULT_LINE.exec(step.stdout)?.[1];
      if (step.exitCode === 0 && line !== undefined) {
        try {
          return { ok: true, value: JSON.parse(line) as unknown };
        } catch {
          // Falls through: reported as a failed operation.
        }
      }
      const output = [step.stdout, step.stderr].filter((t) => t.trim()).join('\n');
      return {
        ok: false,
        step,
        message: step.timedOut
          ? `\`dbt run-operation ${macro}\` ran longer than ${Math.round(options.timeoutMs / 1000)} s and was stopped.`
          : (dbtErrorMessage(output) ?? `\`dbt run-operation ${macro}\` exited with code ${step.exitCode}.`),
      };
    },
  };
  return { ok: true, session };
}

/** Whether a macro folder defines the naming macros (a quick look at the SQL files, sub-folders included). */
async function ownNaming(dir: string): Promise<boolean> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.sql')) continue;
    const path = join(entry.parentPath, entry.name);
    if (path.includes(join(MACRO_DIR, 'sluice_wap.sql'))) continue;
    const text = await readTextInside(dir, path, 1024 * 1024);
    if (text && OWN_NAMING.test(text)) return true;
  }
  return false;
}

/**
 * The manifest without Sluice's macros: production's manifest as the project itself has it, for plans
 * to compare with.
 */
export function withoutSluiceMacros(manifestText: string): string {
  const manifest = JSON.parse(manifestText) as { macros?: Record<string, { original_file_path?: string }> };
  for (const [id, macro] of Object.entries(manifest.macros ?? {})) {
    if (macro.original_file_path?.includes(`${MACRO_DIR}/`)) delete manifest.macros?.[id];
  }
  return JSON.stringify(manifest);
}

/** `macro-paths` of dbt_project.yml (dbt's default `macros`). */
function macroPathsOf(projectYml: string): string[] {
  let paths: unknown;
  try {
    paths = (parse(projectYml) as Record<string, unknown> | null)?.['macro-paths'];
  } catch {
    paths = undefined;
  }
  const list = Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : [];
  return list.length > 0 ? list : ['macros'];
}

/** DuckDB's answer when another process has the database file open for writing. */
export function warehouseBusy(step: StepResult): boolean {
  return (
    step.exitCode !== 0 &&
    !step.cancelled &&
    /Could not set lock on file/.test(`${step.stdout}\n${step.stderr}`)
  );
}
