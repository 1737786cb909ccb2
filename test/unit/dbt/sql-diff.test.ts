import { describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../../src/dbt/line-diff.js';
import { compiledSqlDiffs, relationRenames } from '../../../src/dbt/sql-diff.js';
import { manifest, node } from './manifest-builders.js';

describe('unifiedDiff', () => {
  it.each([
    { name: 'equal texts', a: 'a\nb\n', b: 'a\nb', diff: '' },
    { name: 'one line changed', a: 'a\nb\nc', b: 'a\nB\nc', diff: '@@ -1,3 +1,3 @@\n a\n-b\n+B\n c' },
    { name: 'from nothing', a: '', b: 'x\ny', diff: '@@ -0,0 +1,2 @@\n+x\n+y' },
    { name: 'to nothing', a: 'x', b: '', diff: '@@ -1,1 +0,0 @@\n-x' },
    {
      name: 'distant changes make two hunks',
      a: 'a\n1\n2\n3\n4\n5\n6\n7\n8\nb',
      b: 'A\n1\n2\n3\n4\n5\n6\n7\n8\nB',
      diff: '@@ -1,4 +1,4 @@\n-a\n+A\n 1\n 2\n 3\n@@ -7,4 +7,4 @@\n 6\n 7\n 8\n-b\n+B',
    },
  ])('$name', ({ a, b, diff }) => {
    expect(unifiedDiff(a, b)).toBe(diff);
  });

  it('diffs a 5,000-line model in well under a second, showing only the changed lines', () => {
    const lines = Array.from({ length: 5000 }, (_, i) => `  , column_${i} as c${i}`);
    const changed = [...lines];
    changed[1234] = '  , renamed as c1234';
    changed.splice(4000, 0, '  , added as new_column');
    const started = performance.now();

    const diff = unifiedDiff(lines.join('\n'), changed.join('\n'));

    expect(performance.now() - started).toBeLessThan(1000);
    expect(diff).toBe(
      [
        '@@ -1232,7 +1232,7 @@',
        ...lines.slice(1231, 1234).map((l) => ` ${l}`),
        '-  , column_1234 as c1234',
        '+  , renamed as c1234',
        ...lines.slice(1235, 1238).map((l) => ` ${l}`),
        '@@ -3998,6 +3998,7 @@',
        ...lines.slice(3997, 4000).map((l) => ` ${l}`),
        '+  , added as new_column',
        ...lines.slice(4000, 4003).map((l) => ` ${l}`),
      ].join('\n'),
    );
  });

  it('declines texts too different to compare', () => {
    const a = Array.from({ length: 30_000 }, (_, i) => `a ${i}`).join('\n');
    const b = Array.from({ length: 30_000 }, (_, i) => `b ${i}`).join('\n');
    expect(unifiedDiff(a, b)).toBeUndefined();
  });

  it('treats CRLF line endings and a missing final newline as no change', () => {
    expect(unifiedDiff('a\r\nb\r\n', 'a\nb')).toBe('');
  });
});

describe('compiledSqlDiffs', () => {
  const base = manifest([
    node('stg', { compiled_code: 'select 1 as id' }),
    node('mart', { compiled_code: 'select id from "db"."main"."stg"', relation_name: '"db"."main"."mart"' }),
    node('raw_only', { raw_code: "select {{ var('x') }}" }),
  ]);
  const head = manifest([
    node('stg', { relation_name: '"db"."pr_7"."stg"' }),
    node('mart', { relation_name: '"db"."pr_7"."mart"' }),
    node('raw_only', { raw_code: "select {{ var('y') }}", relation_name: '"db"."pr_7"."raw_only"' }),
    node('fresh', { relation_name: '"db"."pr_7"."fresh"' }),
  ]);

  it('maps PR relation names back to production so only real changes show', () => {
    expect(relationRenames(base, head)).toContainEqual(['"db"."pr_7"."stg"', '"db"."main"."stg"']);
    const compiled = new Map([
      ['model.p.mart', 'select id, 2 as two from "db"."pr_7"."stg"'],
      ['model.p.stg', 'select 1 as id'],
      ['model.p.fresh', 'select 3'],
      ['model.p.raw_only', "select 'y'"],
    ]);
    const diffs = compiledSqlDiffs({
      base,
      head,
      compiled,
      ids: ['model.p.mart', 'model.p.stg', 'model.p.fresh', 'model.p.raw_only'],
      names: new Map(),
    });
    expect(diffs.map((d) => [d.uniqueId, d.baseFrom, d.diff])).toEqual([
      [
        'model.p.mart',
        'compiled',
        '@@ -1,1 +1,1 @@\n-select id from "db"."main"."stg"\n+select id, 2 as two from "db"."main"."stg"',
      ],
      ['model.p.fresh', 'none', '@@ -0,0 +1,1 @@\n+select 3'],
      ['model.p.raw_only', 'raw', "@@ -1,1 +1,1 @@\n-select {{ var('x') }}\n+select {{ var('y') }}"],
    ]);
  });
});
