import { join } from 'node:path';
import { type Catalog, parseCatalog } from '../../dbt/catalog.js';
import { ArtifactError, type Manifest } from '../../dbt/manifest.js';
import { type BuildOutcome, parseRunResults, summarizeRunResults } from '../../dbt/run-results.js';
import { readTextInside } from './read-inside.js';

const MAX_ARTIFACT = 512 * 1024 * 1024;
const MAX_COMPILED = 4 * 1024 * 1024;

/** The plan's dbt target dir (`--target-path`), inside the artifact dir. */
export interface TargetDir {
  artifactDir: string;
  targetDir: string;
}

/** manifest.json, run_results.json or catalog.json as dbt last wrote it, if it is there and safe to read. */
export function readArtifact(target: TargetDir, name: string): Promise<string | undefined> {
  return readTextInside(target.artifactDir, join(target.targetDir, name), MAX_ARTIFACT);
}

/** Compiled SQL of `ids` from target/compiled/<package>/<original file path>, where dbt wrote it. */
export async function readCompiledSql(
  target: TargetDir,
  manifest: Manifest,
  ids: readonly string[],
): Promise<Map<string, string>> {
  const compiled = new Map<string, string>();
  for (const id of ids) {
    const node = manifest.nodes[id];
    if (!node?.original_file_path) continue;
    const path = join(target.targetDir, 'compiled', node.package_name, node.original_file_path);
    const sql = await readTextInside(target.artifactDir, path, MAX_COMPILED);
    if (sql !== undefined) compiled.set(id, sql);
  }
  return compiled;
}

/** The build's run_results.json summarised; a problem reading it becomes a note. */
export async function readBuildOutcome(
  target: TargetDir,
  head: Manifest,
  notes: string[],
): Promise<BuildOutcome | undefined> {
  const text = await readArtifact(target, 'run_results.json');
  if (text === undefined) {
    notes.push('The build wrote no run_results.json: test results unknown.');
    return undefined;
  }
  try {
    return summarizeRunResults(parseRunResults(text), head);
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    notes.push(error.message);
    return undefined;
  }
}

/** The plan's catalog.json; a problem reading it becomes a note. */
export async function readCatalog(target: TargetDir, notes: string[]): Promise<Catalog | undefined> {
  const text = await readArtifact(target, 'catalog.json');
  try {
    if (text === undefined) throw new ArtifactError('dbt docs generate wrote no readable catalog.json');
    return parseCatalog(text);
  } catch (error) {
    if (!(error instanceof ArtifactError)) throw error;
    notes.push(`Column changes unknown: ${error.message}.`);
    return undefined;
  }
}
