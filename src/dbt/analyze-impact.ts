import { type Catalog, diffColumns } from './catalog.js';
import { diffManifests, type ManifestDiff } from './diff-manifests.js';
import type { Manifest } from './manifest.js';
import type { DbtPlanResult, NodeChange } from './plan-result.js';
import { type BuildOutcome, emptyCounts } from './run-results.js';
import { compiledSqlDiffs } from './sql-diff.js';

export interface ImpactInput {
  /** Production's manifest; absent when bootstrapping. */
  base?: Manifest;
  /** The PR's manifest (from `dbt parse`). */
  head: Manifest;
  baseCatalog?: Catalog;
  /** The catalog of the plan's zero-row build (`dbt docs generate`). */
  headCatalog?: Catalog;
  /** The build's results; absent when the build did not run. */
  build?: BuildOutcome;
  /** Compiled SQL of the plan by unique id (at least of sqlDiffIds()). */
  compiled: ReadonlyMap<string, string>;
  /** diffManifests(base, head), when the caller has it already. */
  diff?: ManifestDiff;
}

export type Impact = Pick<
  DbtPlanResult,
  | 'changes'
  | 'downstream'
  | 'exposures'
  | 'testChanges'
  | 'breaking'
  | 'tests'
  | 'unitTests'
  | 'failures'
  | 'sqlDiffs'
  | 'edges'
  | 'notes'
>;

/** Everything a plan says about a PR's dbt changes, from the artifacts the runner collected. Pure. */
export function analyzeImpact(input: ImpactInput): Impact {
  const { base, head } = input;
  const diff = input.diff ?? diffManifests(base, head);
  const withFacts = (node: NodeChange): NodeChange => {
    const columns =
      input.headCatalog && (input.baseCatalog || node.reasons.includes('new'))
        ? diffColumns(input.baseCatalog?.nodes[node.uniqueId], input.headCatalog.nodes[node.uniqueId])
        : undefined;
    const tests = input.build?.testsByNode.get(node.uniqueId);
    return { ...node, ...(columns ? { columns } : {}), ...(tests ? { tests } : {}) };
  };
  const changes = diff.changes.map(withFacts);
  const downstream = diff.downstream.map(withFacts);
  const names = new Map([...changes, ...downstream].map((n) => [n.uniqueId, n.name]));
  const sqlIds = sqlDiffIds(diff);
  return {
    changes,
    downstream,
    exposures: diff.exposures,
    testChanges: diff.tests,
    breaking: diff.breaking,
    tests: input.build?.tests ?? emptyCounts(),
    unitTests: input.build?.unitTests ?? emptyCounts(),
    failures: input.build?.failures ?? [],
    sqlDiffs: compiledSqlDiffs({ base, head, compiled: input.compiled, ids: sqlIds, names }),
    edges: diff.edges,
    notes: notes(input),
  };
}

/** The models whose compiled SQL a plan diffs: changed ones that are still there and not docs-only. */
export function sqlDiffIds(diff: ManifestDiff): string[] {
  return diff.changes
    .filter(
      (c) => c.resourceType === 'model' && c.category !== 'metadata-only' && !c.reasons.includes('removed'),
    )
    .map((c) => c.uniqueId);
}

function notes(input: ImpactInput): string[] {
  const out: string[] = [];
  const { base, head } = input;
  if (!base) {
    out.push('No production manifest yet: everything is new, and the build ran in full with zero rows.');
    return out;
  }
  const baseVersion = base.metadata.dbt_version;
  const headVersion = head.metadata.dbt_version;
  if (baseVersion && headVersion && baseVersion !== headVersion) {
    out.push(`Production's manifest was written by dbt ${baseVersion}; this plan used dbt ${headVersion}.`);
  }
  if (!input.baseCatalog) out.push('No production catalog: column changes are shown for new models only.');
  return out;
}
