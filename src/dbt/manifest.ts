import { z } from 'zod';

/**
 * The parts of dbt's `manifest.json` (schema v12, dbt 1.8–1.11) a plan reads
 * (https://docs.getdbt.com/reference/artifacts/manifest-json). Everything else is dropped when parsed.
 */
const ColumnSchema = z.object({
  name: z.string(),
  description: z.string().nullish(),
  data_type: z.string().nullish(),
  constraints: z.array(z.unknown()).nullish(),
});

const DependsOnSchema = z.object({
  macros: z.array(z.string()).nullish(),
  nodes: z.array(z.string()).nullish(),
});

const NodeSchema = z.object({
  unique_id: z.string(),
  name: z.string(),
  resource_type: z.string(),
  package_name: z.string(),
  original_file_path: z.string().nullish(),
  checksum: z.object({ checksum: z.string() }).nullish(),
  config: z.record(z.string(), z.unknown()).nullish(),
  unrendered_config: z.record(z.string(), z.unknown()).nullish(),
  description: z.string().nullish(),
  columns: z.record(z.string(), ColumnSchema).nullish(),
  depends_on: DependsOnSchema.nullish(),
  contract: z.object({ enforced: z.boolean().nullish(), checksum: z.string().nullish() }).nullish(),
  relation_name: z.string().nullish(),
  database: z.string().nullish(),
  schema: z.string().nullish(),
  alias: z.string().nullish(),
  fqn: z.array(z.string()).nullish(),
  raw_code: z.string().nullish(),
  compiled_code: z.string().nullish(),
  access: z.string().nullish(),
  version: z.union([z.string(), z.number()]).nullish(),
  latest_version: z.union([z.string(), z.number()]).nullish(),
  deprecation_date: z.string().nullish(),
  /** Tests: the model or seed a generic test is attached to. */
  attached_node: z.string().nullish(),
  /** Generic tests: the test's name and arguments. */
  test_metadata: z.unknown().optional(),
});

const ExposureSchema = z.object({
  unique_id: z.string(),
  name: z.string(),
  label: z.string().nullish(),
  type: z.string().nullish(),
  description: z.string().nullish(),
  depends_on: DependsOnSchema.nullish(),
});

const MacroSchema = z.object({
  unique_id: z.string(),
  package_name: z.string(),
  macro_sql: z.string().nullish(),
  depends_on: z.object({ macros: z.array(z.string()).nullish() }).nullish(),
});

const UnitTestSchema = z.object({
  unique_id: z.string(),
  name: z.string(),
  model: z.string().nullish(),
  depends_on: DependsOnSchema.nullish(),
  /** Fixture rows are the PR's own code, compared only to tell whether the test changed. */
  given: z.unknown().optional(),
  expect: z.unknown().optional(),
});

export const ManifestSchema = z.object({
  metadata: z.object({
    dbt_version: z.string().nullish(),
    adapter_type: z.string().nullish(),
    project_name: z.string().nullish(),
  }),
  nodes: z.record(z.string(), NodeSchema),
  sources: z.record(z.string(), NodeSchema).nullish(),
  exposures: z.record(z.string(), ExposureSchema).nullish(),
  macros: z.record(z.string(), MacroSchema).nullish(),
  unit_tests: z.record(z.string(), UnitTestSchema).nullish(),
  child_map: z.record(z.string(), z.array(z.string())).nullish(),
  parent_map: z.record(z.string(), z.array(z.string())).nullish(),
});

export type Manifest = z.infer<typeof ManifestSchema>;
export type ManifestNode = z.infer<typeof NodeSchema>;
export type ManifestColumn = z.infer<typeof ColumnSchema>;
export type ManifestExposure = z.infer<typeof ExposureSchema>;
export type ManifestMacro = z.infer<typeof MacroSchema>;
export type ManifestUnitTest = z.infer<typeof UnitTestSchema>;

/** Thrown for a manifest that is not JSON or not shaped like dbt's; the message says which. */
export class ArtifactError extends Error {
  override readonly name = 'ArtifactError';
}

/** Parses manifest JSON text at the edge; everything inside trusts the typed result. */
export function parseManifest(text: string, what = 'manifest.json'): Manifest {
  return parseArtifact(ManifestSchema, text, what);
}

export function parseArtifact<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ArtifactError(`${what} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    const at = issue?.path.length ? ` at ${issue.path.join('.')}` : '';
    throw new ArtifactError(`${what} is not a dbt artifact Sluice can read${at}: ${issue?.message ?? ''}`);
  }
  return parsed.data;
}

/** Every resource a plan tracks by id: nodes (models, seeds, snapshots, tests…), sources, unit tests. */
export function resources(manifest: Manifest): Map<string, ManifestNode> {
  const all = new Map<string, ManifestNode>();
  for (const [id, node] of Object.entries(manifest.nodes)) all.set(id, node);
  for (const [id, node] of Object.entries(manifest.sources ?? {})) all.set(id, node);
  return all;
}
