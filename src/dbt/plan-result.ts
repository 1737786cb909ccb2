import type { Project } from '../projects/types.js';

/** Why a node counts as changed; each maps to one of dbt's `state:modified.*` checks or to presence. */
export type ChangeReason =
  | 'new'
  | 'removed'
  /** The SQL/Python file (or a seed's CSV) changed: `state:modified.body`. */
  | 'body'
  /** A config that changes what is built (materialization, hooks, unique key…): `state:modified.configs`. */
  | 'config'
  /** Database, schema or alias: `state:modified.relation`. */
  | 'relation'
  /** The enforced contract (columns, types, constraints): `state:modified.contract`. */
  | 'contract'
  /** A macro the node calls changed, or the list of macros it calls: `state:modified.macros`. */
  | 'macros'
  /** access, latest_version or deprecation_date: how other models may ref it. */
  | 'access'
  /** Descriptions (model or columns) only. */
  | 'description'
  /** meta, tags, docs or group only. */
  | 'meta';

/**
 * How a change affects consumers. `breaking`: a consumer can fail (enforced contract broken, a used
 * model removed); `non-breaking`: data or shape changes compatibly; `metadata-only`: nothing is
 * rebuilt for it; `indirect`: unchanged itself, downstream of a change.
 */
export type ChangeCategory = 'breaking' | 'non-breaking' | 'metadata-only' | 'indirect';

export interface ColumnChanges {
  added: string[];
  removed: string[];
  /** Type changes, e.g. `{ name: "amount", from: "INTEGER", to: "DECIMAL(12,2)" }`. */
  typeChanged: Array<{ name: string; from: string; to: string }>;
}

export interface TestCounts {
  passed: number;
  failed: number;
  warned: number;
  errored: number;
  skipped: number;
}

export interface NodeChange {
  uniqueId: string;
  name: string;
  resourceType: string;
  /** Empty for `indirect` nodes. */
  reasons: ChangeReason[];
  category: ChangeCategory;
  /** One line per specific finding, e.g. "column `order_count` removed from the enforced contract". */
  details: string[];
  /** From the catalogs (production vs this plan); absent when either is missing. */
  columns?: ColumnChanges;
  /** Tests attached to this node in this plan's build. */
  tests?: TestCounts;
  /** With a data build: rows in the PR's build, and in production (absent for a new node). */
  rows?: { pr: number; production?: number };
  /** What an apply of this change does, e.g. "build new table, switch view". */
  applyAction: string;
  /** For `indirect` nodes: the changed nodes upstream of it. */
  upstreamChanges?: string[];
}

export interface ExposureImpact {
  uniqueId: string;
  name: string;
  label?: string;
  type?: string;
  /** The changed nodes it depends on, directly or through other models. */
  dependsOnChanges: string[];
}

/** A node that failed or warned in the plan's build, from run_results.json. */
export interface NodeFailure {
  uniqueId: string;
  name: string;
  resourceType: string;
  status: 'error' | 'fail' | 'warn' | 'skipped';
  /** First lines of dbt's message; never sample rows. */
  message: string;
  /** Failing rows for data tests, where dbt reports them. */
  failures?: number;
}

export interface SqlDiff {
  uniqueId: string;
  name: string;
  /** A unified diff (`-`/`+` lines) of the compiled SQL against production; relation names mapped back. */
  diff: string;
  /** Where the production side came from: its compiled code, or its raw code when it was not compiled. */
  baseFrom: 'compiled' | 'raw' | 'none';
}

export type DbtPlanStatus = 'planned' | 'failed' | 'error' | 'cancelled';

export interface DbtPlanResult {
  project: Project;
  /**
   * `planned`: built with zero rows, every test passed, nothing breaking.
   * `failed`: dbt ran but something failed (`failures`), or a breaking change (`breaking`).
   * `error`: dbt could not plan (exit code 2, a parse error, a timeout): see `error`.
   */
  status: DbtPlanStatus;
  headSha: string;
  /** sha256 of the production manifest compared against; absent when bootstrapping. */
  baseManifestHash?: string;
  /** No production manifest: everything is new. */
  bootstrap: boolean;
  /** Where the build went, e.g. `pr_42`. */
  schema: string;
  /** The build was of real data (the repo's `dbt.data_build`), not zero rows; row counts compared. */
  dataBuild?: boolean;
  versions: { dbt?: string; adapter?: { name: string; version?: string }; python?: string };
  /** Directly changed nodes (models, seeds, snapshots, sources; tests counted, not listed). */
  changes: NodeChange[];
  /** Nodes downstream of a change that did not change themselves. */
  downstream: NodeChange[];
  exposures: ExposureImpact[];
  /** Data and unit tests added, removed or changed by the PR, by name. */
  testChanges: { added: string[]; removed: string[]; changed: string[] };
  /** Messages for breaking changes; any makes the plan fail even where dbt only warns. */
  breaking: string[];
  tests: TestCounts;
  unitTests: TestCounts;
  failures: NodeFailure[];
  sqlDiffs: SqlDiff[];
  /** Dependencies between listed nodes (parent → child), for the lineage graph. */
  edges: Array<[string, string]>;
  error?: { step: string; message: string; output: string };
  /** Notes a reviewer should see (e.g. production built with another dbt version). */
  notes: string[];
  steps: Array<{ name: string; exitCode: number | null; durationMs: number }>;
  durationMs: number;
}
