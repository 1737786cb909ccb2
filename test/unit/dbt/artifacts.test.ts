import { describe, expect, it } from 'vitest';
import { diffColumns, parseCatalog } from '../../../src/dbt/catalog.js';
import { dbtErrorMessage, dbtExit } from '../../../src/dbt/dbt-output.js';
import { ArtifactError, parseManifest } from '../../../src/dbt/manifest.js';
import { parseRunResults, summarizeRunResults } from '../../../src/dbt/run-results.js';
import { parsePyvenvCfg } from '../../../src/runner/dbt/dbt-tool.js';
import { dependsOn, manifest, node } from './manifest-builders.js';

const table = (columns: Record<string, string>) => ({
  columns: Object.fromEntries(
    Object.entries(columns).map(([name, type], index) => [name, { name, type, index: index + 1 }]),
  ),
});

describe('diffColumns', () => {
  it.each<{ name: string; base?: Record<string, string>; head: Record<string, string>; out: unknown }>([
    {
      name: 'unchanged',
      base: { a: 'INTEGER' },
      head: { a: 'integer' },
      out: { added: [], removed: [], typeChanged: [] },
    },
    {
      name: 'added, removed and retyped',
      base: { id: 'INTEGER', old: 'VARCHAR', amount: 'INTEGER' },
      head: { id: 'INTEGER', amount: 'DECIMAL(12,2)', fresh: 'BOOLEAN' },
      out: {
        added: ['fresh'],
        removed: ['old'],
        typeChanged: [{ name: 'amount', from: 'INTEGER', to: 'DECIMAL(12,2)' }],
      },
    },
    {
      name: 'names compared case-insensitively',
      base: { ID: 'INTEGER' },
      head: { id: 'INTEGER' },
      out: { added: [], removed: [], typeChanged: [] },
    },
    {
      name: 'a new table: everything added',
      base: undefined,
      head: { id: 'INTEGER' },
      out: { added: ['id'], removed: [], typeChanged: [] },
    },
  ])('$name', ({ base, head, out }) => {
    expect(diffColumns(base && table(base), table(head))).toEqual(out);
  });

  it('knows nothing without the plan’s table', () => {
    expect(diffColumns(table({ a: 'INTEGER' }), undefined)).toBeUndefined();
  });
});

describe('artifact parsing', () => {
  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['not a manifest', '{"nodes": 3}', /not a dbt artifact Sluice can read at/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseManifest(text)).toThrow(ArtifactError);
    expect(() => parseManifest(text)).toThrow(message);
  });

  it('reads a catalog', () => {
    const catalog = parseCatalog(
      JSON.stringify({ metadata: {}, nodes: { 'model.p.a': table({ id: 'INTEGER' }) }, sources: {} }),
    );
    expect(Object.keys(catalog.nodes)).toEqual(['model.p.a']);
  });
});

describe('summarizeRunResults', () => {
  const m = manifest([
    node('orders'),
    node('not_null_orders_id', {
      resource_type: 'test',
      unique_id: 'test.p.not_null_orders_id',
      attached_node: 'model.p.orders',
      ...dependsOn('model.p.orders'),
    }),
    node('accepted', {
      resource_type: 'test',
      unique_id: 'test.p.accepted',
      attached_node: 'model.p.orders',
      ...dependsOn('model.p.orders'),
    }),
  ]);
  m.unit_tests = {
    'unit_test.p.orders.counts': {
      unique_id: 'unit_test.p.orders.counts',
      name: 'counts',
      model: 'orders',
      depends_on: { nodes: ['model.p.orders'] },
    },
  };
  const results = parseRunResults(
    JSON.stringify({
      results: [
        { unique_id: 'model.p.orders', status: 'success', message: 'OK', failures: null },
        { unique_id: 'test.p.not_null_orders_id', status: 'pass', failures: 0 },
        {
          unique_id: 'test.p.accepted',
          status: 'fail',
          message: 'Got 3 results, configured to fail if != 0',
          failures: 3,
        },
        {
          unique_id: 'unit_test.p.orders.counts',
          status: 'fail',
          message: 'actual differs from expected:\n\n@@ ,id\n→ ,1',
          failures: null,
        },
      ],
    }),
  );

  it('counts tests per kind and per model and lists failures with failing-row counts', () => {
    const outcome = summarizeRunResults(results, m);
    expect(outcome.tests).toEqual({ passed: 1, failed: 1, warned: 0, errored: 0, skipped: 0 });
    expect(outcome.unitTests).toEqual({ passed: 0, failed: 1, warned: 0, errored: 0, skipped: 0 });
    expect(outcome.testsByNode.get('model.p.orders')).toEqual({
      passed: 1,
      failed: 2,
      warned: 0,
      errored: 0,
      skipped: 0,
    });
    expect(outcome.failures).toEqual([
      {
        uniqueId: 'test.p.accepted',
        name: 'accepted',
        resourceType: 'test',
        status: 'fail',
        message: 'Got 3 results, configured to fail if != 0',
        failures: 3,
      },
      expect.objectContaining({
        uniqueId: 'unit_test.p.orders.counts',
        name: 'orders::counts',
        status: 'fail',
      }),
    ]);
  });
});

describe('dbt output', () => {
  it.each([
    [0, 'ok'],
    [1, 'ran-with-failures'],
    [2, 'could-not-run'],
    [null, 'could-not-run'],
  ] as const)('exit code %s means %s', (code, meaning) => {
    expect(dbtExit(code)).toBe(meaning);
  });

  it('takes the reason after "Encountered an error:", without timestamps', () => {
    const output = [
      '17:12:22  Running with dbt=1.11.16',
      '17:12:24  Encountered an error:',
      'Compilation Error',
      "  Model 'model.shop.bad' (models/bad.sql) depends on a node named 'nope' which was not found",
    ].join('\n');
    expect(dbtErrorMessage(output)).toBe(
      "Compilation Error\n  Model 'model.shop.bad' (models/bad.sql) depends on a node named 'nope' which was not found",
    );
  });

  it('falls back to the first error-looking line', () => {
    expect(dbtErrorMessage('12:00:00  hello\n12:00:01  Runtime Error\n  boom')).toBe('Runtime Error\n  boom');
    expect(dbtErrorMessage('all fine')).toBeUndefined();
  });
});

describe('parsePyvenvCfg', () => {
  it('reads key = value lines', () => {
    expect(
      parsePyvenvCfg('home = /opt/py/bin\ninclude-system-site-packages = false\nversion = 3.11.7\n'),
    ).toEqual({
      home: '/opt/py/bin',
      'include-system-site-packages': 'false',
      version: '3.11.7',
    });
  });
});
