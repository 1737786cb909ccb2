import { z } from 'zod';
import { type Manifest, parseArtifact } from './manifest.js';
import type { NodeFailure, TestCounts } from './plan-result.js';

/** The parts of dbt's `run_results.json` a plan reads. */
export const RunResultsSchema = z.object({
  results: z.array(
    z.object({
      unique_id: z.string(),
      status: z.string(),
      message: z.string().nullish(),
      failures: z.number().nullish(),
    }),
  ),
});

export type RunResults = z.infer<typeof RunResultsSchema>;

export function parseRunResults(text: string, what = 'run_results.json'): RunResults {
  return parseArtifact(RunResultsSchema, text, what);
}

export interface BuildOutcome {
  tests: TestCounts;
  unitTests: TestCounts;
  /** Test counts per node the test is attached to (models, seeds, snapshots). */
  testsByNode: Map<string, TestCounts>;
  failures: NodeFailure[];
}

/** Lines kept of a failure message; dbt puts the gist first. */
const MESSAGE_LINES = 12;

/**
 * Summarises a build's results: test counts, and every node that errored, failed, warned or was
 * skipped, with dbt's failing-row count for data tests. Messages are kept short; dbt's messages for
 * data tests hold counts only ("Got 2 results…"), never rows.
 */
export function summarizeRunResults(results: RunResults, manifest: Manifest): BuildOutcome {
  const outcome: BuildOutcome = {
    tests: emptyCounts(),
    unitTests: emptyCounts(),
    testsByNode: new Map(),
    failures: [],
  };
  for (const result of results.results) {
    const id = result.unique_id;
    const type = id.split('.')[0] ?? '';
    const status = normalizeStatus(result.status);
    if (type === 'test' || type === 'unit_test') {
      const bucket = type === 'test' ? outcome.tests : outcome.unitTests;
      count(bucket, status);
      const attached = attachedNode(id, manifest);
      if (attached) {
        const counts = outcome.testsByNode.get(attached) ?? emptyCounts();
        count(counts, status);
        outcome.testsByNode.set(attached, counts);
      }
    }
    // Exposures run nothing; they are "skipped" only because something upstream failed.
    if (type === 'exposure') continue;
    if (status === 'error' || status === 'fail' || status === 'warn' || status === 'skipped') {
      const node = manifest.nodes[id] ?? manifest.unit_tests?.[id];
      outcome.failures.push({
        uniqueId: id,
        name: node
          ? type === 'unit_test'
            ? `${manifest.unit_tests?.[id]?.model ?? ''}::${node.name}`
            : node.name
          : id,
        resourceType: type,
        status,
        message: shorten(result.message ?? ''),
        ...(result.failures != null && type === 'test' ? { failures: result.failures } : {}),
      });
    }
  }
  return outcome;
}

export function emptyCounts(): TestCounts {
  return { passed: 0, failed: 0, warned: 0, errored: 0, skipped: 0 };
}

type Status = 'success' | 'error' | 'fail' | 'warn' | 'skipped' | 'other';

function normalizeStatus(status: string): Status {
  switch (status) {
    case 'pass':
    case 'success':
      return 'success';
    case 'error':
    case 'runtime error':
      return 'error';
    case 'fail':
    case 'warn':
    case 'skipped':
      return status;
    default:
      return 'other';
  }
}

function count(counts: TestCounts, status: Status): void {
  if (status === 'success') counts.passed++;
  else if (status === 'fail') counts.failed++;
  else if (status === 'warn') counts.warned++;
  else if (status === 'error') counts.errored++;
  else if (status === 'skipped') counts.skipped++;
}

/** The model (or seed, snapshot) a data test or unit test checks. */
function attachedNode(id: string, manifest: Manifest): string | undefined {
  const test = manifest.nodes[id];
  if (test)
    return test.attached_node ?? test.depends_on?.nodes?.find((n) => !n.startsWith('test.')) ?? undefined;
  return manifest.unit_tests?.[id]?.depends_on?.nodes?.[0] ?? undefined;
}

function shorten(message: string): string {
  const lines = message.replace(/\r\n?/g, '\n').trim().split('\n');
  const kept = lines.slice(0, MESSAGE_LINES);
  if (lines.length > MESSAGE_LINES) kept.push(`… ${lines.length - MESSAGE_LINES} more lines`);
  return kept.join('\n');
}
