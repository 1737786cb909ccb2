import { describe, expect, it } from 'vitest';
import { diffManifests } from '../../../src/dbt/diff-manifests.js';
import type { ManifestNode } from '../../../src/dbt/manifest.js';
import type { ChangeCategory, ChangeReason } from '../../../src/dbt/plan-result.js';
import { contracted, dependsOn, exposure, macro, manifest, node } from './manifest-builders.js';

const orders = contracted('orders', { id: 'integer', amount: 'decimal(10, 2)' });

interface Case {
  name: string;
  base: ManifestNode[];
  head: ManifestNode[];
  reasons: ChangeReason[];
  category: ChangeCategory;
  /** Substrings of the breaking messages, in order; none when absent. */
  breaking?: string[];
  details?: string[];
}

const cases: Case[] = [
  {
    name: 'SQL body changed',
    base: [node('a')],
    head: [node('a', { checksum: { checksum: 'other' } })],
    reasons: ['body'],
    category: 'non-breaking',
  },
  {
    name: 'materialization changed',
    base: [node('a', { unrendered_config: { materialized: 'view' } })],
    head: [node('a', { unrendered_config: { materialized: 'table' } })],
    reasons: ['config'],
    category: 'non-breaking',
    details: ['config changed: `materialized`'],
  },
  {
    name: 'schema config changed',
    base: [node('a')],
    head: [node('a', { unrendered_config: { schema: 'marts' } })],
    reasons: ['relation'],
    category: 'non-breaking',
    details: ['relation changed: `schema` `default` → `marts`'],
  },
  {
    name: 'relation_name differs only because the plan used the PR schema',
    base: [node('a')],
    head: [node('a', { relation_name: '"db"."pr_7"."a"' })],
    reasons: [],
    category: 'non-breaking',
  },
  {
    name: 'description only',
    base: [node('a')],
    head: [node('a', { description: 'Now documented.' })],
    reasons: ['description'],
    category: 'metadata-only',
  },
  {
    name: 'column description only',
    base: [node('a', { columns: { x: { name: 'x', description: '' } } })],
    head: [node('a', { columns: { x: { name: 'x', description: 'the x' } } })],
    reasons: ['description'],
    category: 'metadata-only',
  },
  {
    name: 'meta and tags only',
    base: [node('a')],
    head: [
      node('a', {
        config: { materialized: 'view', meta: { owner: 'x' }, tags: ['t'] },
        unrendered_config: { meta: { owner: 'x' }, tags: ['t'] },
      }),
    ],
    reasons: ['meta'],
    category: 'metadata-only',
  },
  {
    name: 'config keys in another order',
    base: [node('a', { unrendered_config: { materialized: 'table', grants: { select: ['r'], x: 1 } } })],
    head: [node('a', { unrendered_config: { grants: { x: 1, select: ['r'] }, materialized: 'table' } })],
    reasons: [],
    category: 'non-breaking',
  },
  {
    name: 'enforced contract: column removed',
    base: [orders],
    head: [contracted('orders', { id: 'integer' })],
    reasons: ['contract'],
    category: 'breaking',
    breaking: ['`orders`: column `amount` removed from the enforced contract'],
  },
  {
    name: 'enforced contract: base type changed',
    base: [orders],
    head: [contracted('orders', { id: 'varchar', amount: 'decimal(10, 2)' })],
    reasons: ['contract'],
    category: 'breaking',
    breaking: ['`orders`: column `id` type `integer` → `varchar`'],
  },
  {
    name: 'enforced contract: precision only',
    base: [orders],
    head: [contracted('orders', { id: 'integer', amount: 'decimal(12, 2)' })],
    reasons: ['contract'],
    category: 'non-breaking',
    details: ['column `amount` type `decimal(10, 2)` → `decimal(12, 2)` (size or precision only)'],
  },
  {
    name: 'enforced contract: column added',
    base: [orders],
    head: [contracted('orders', { id: 'integer', amount: 'decimal(10, 2)', note: 'varchar' })],
    reasons: ['contract'],
    category: 'non-breaking',
    details: ['column `note` added to the contract'],
  },
  {
    name: 'contract no longer enforced',
    base: [orders],
    head: [
      node('orders', {
        config: { materialized: 'table' },
        unrendered_config: { materialized: 'table' },
        columns: orders.columns,
      }),
    ],
    reasons: ['contract'],
    category: 'breaking',
    breaking: ['`orders`: contract is no longer enforced'],
  },
  {
    name: 'contract newly enforced',
    base: [
      node('orders', { config: { materialized: 'table' }, unrendered_config: { materialized: 'table' } }),
    ],
    head: [orders],
    reasons: ['contract'],
    category: 'non-breaking',
    details: ['contract is now enforced'],
  },
  {
    name: 'not_null constraint dropped on a table',
    base: [
      contracted(
        't',
        { id: 'integer' },
        {
          columns: { id: { name: 'id', data_type: 'integer', constraints: [{ type: 'not_null' }] } },
          contract: { enforced: true, checksum: 'one' },
        },
      ),
    ],
    head: [contracted('t', { id: 'integer' }, { contract: { enforced: true, checksum: 'two' } })],
    reasons: ['contract'],
    category: 'breaking',
    breaking: ['`t`: constraint `not_null` removed from column `id`'],
  },
  {
    name: 'access narrowed from public',
    base: [node('a', { access: 'public' })],
    head: [node('a', { access: 'protected' })],
    reasons: ['access'],
    category: 'breaking',
    breaking: ['`a`: access `public` → `protected`'],
  },
  {
    name: 'access widened',
    base: [node('a', { access: 'protected' })],
    head: [node('a', { access: 'public' })],
    reasons: ['access'],
    category: 'non-breaking',
  },
  {
    name: 'new model',
    base: [],
    head: [node('a')],
    reasons: ['new'],
    category: 'non-breaking',
  },
  {
    name: 'removed leaf model nobody uses',
    base: [node('a')],
    head: [],
    reasons: ['removed'],
    category: 'non-breaking',
  },
  {
    name: 'removed model with an enforced contract',
    base: [orders],
    head: [],
    reasons: ['removed'],
    category: 'breaking',
    breaking: ['`orders`: removed, but it had an enforced contract'],
  },
  {
    name: 'removed public model',
    base: [node('a', { access: 'public' })],
    head: [],
    reasons: ['removed'],
    category: 'breaking',
    breaking: ['`a`: removed, but it was `public`'],
  },
];

describe('diffManifests: one node', () => {
  it.each(cases)('$name', (c) => {
    const diff = diffManifests(manifest(c.base), manifest(c.head));
    const [first] = diff.changes;
    if (c.reasons.length === 0) {
      expect(diff.changes).toEqual([]);
      return;
    }
    expect(diff.changes).toHaveLength(1);
    expect(first?.reasons).toEqual(c.reasons);
    expect(first?.category).toBe(c.category);
    expect(diff.breaking.length).toBe(c.breaking?.length ?? 0);
    for (const [i, text] of (c.breaking ?? []).entries()) expect(diff.breaking[i]).toContain(text);
    for (const text of c.details ?? []) expect(first?.details).toContain(text);
  });
});

describe('diffManifests: graphs', () => {
  const stg = node('stg');
  const mart = contracted('mart', { id: 'integer' }, dependsOn('model.p.stg'));
  const leaf = node('leaf', dependsOn('model.p.mart'));
  const dash = exposure('dash', 'model.p.mart');

  it('lists downstream nodes as indirect, with the changes upstream of them, and affected exposures', () => {
    const base = manifest([stg, mart, leaf], { exposures: [dash] });
    const head = manifest([{ ...stg, checksum: { checksum: 'new' } }, mart, leaf], { exposures: [dash] });
    const diff = diffManifests(base, head);
    expect(diff.changes.map((c) => [c.name, c.category])).toEqual([['stg', 'non-breaking']]);
    expect(diff.downstream.map((d) => [d.name, d.category, d.upstreamChanges])).toEqual([
      ['leaf', 'indirect', ['model.p.stg']],
      ['mart', 'indirect', ['model.p.stg']],
    ]);
    expect(diff.downstream.map((d) => d.applyAction)).toEqual([
      'create new view, switch view',
      'build new table, switch view',
    ]);
    expect(diff.exposures).toEqual([
      expect.objectContaining({ name: 'dash', dependsOnChanges: ['model.p.stg'] }),
    ]);
    expect(diff.edges).toEqual([
      ['model.p.mart', 'exposure.p.dash'],
      ['model.p.mart', 'model.p.leaf'],
      ['model.p.stg', 'model.p.mart'],
    ]);
  });

  it('does not propagate a documentation-only change downstream', () => {
    const base = manifest([stg, mart]);
    const head = manifest([{ ...stg, description: 'docs' }, mart]);
    const diff = diffManifests(base, head);
    expect(diff.changes.map((c) => c.category)).toEqual(['metadata-only']);
    expect(diff.downstream).toEqual([]);
  });

  it('calls removing a model breaking while something at head still depends on it', () => {
    const base = manifest([stg, mart, leaf]);
    const head = manifest([stg, leaf]);
    const diff = diffManifests(base, head);
    expect(diff.changes.find((c) => c.name === 'mart')?.category).toBe('breaking');
    expect(diff.breaking.join('\n')).toContain('`leaf` still depends on it');
    expect(diff.downstream.map((d) => d.name)).toEqual(['leaf']);
  });

  it('marks the callers of a changed macro, also through another macro', () => {
    const caller = node('a', { depends_on: { macros: ['macro.p.outer'], nodes: [] } });
    const other = node('b', { depends_on: { macros: ['macro.dbt.is_incremental'], nodes: [] } });
    const macros = (inner: string) => [
      macro('outer', '{{ inner() }}', 'p', ['macro.p.inner']),
      macro('inner', inner),
      macro('is_incremental', 'dbt internal', 'dbt'),
    ];
    const base = manifest([caller, other], { macros: macros('1') });
    const head = manifest([caller, other], { macros: macros('2') });
    head.macros = { ...head.macros, 'macro.dbt.is_incremental': macro('is_incremental', 'upgraded', 'dbt') };
    const diff = diffManifests(base, head);
    expect(diff.changes.map((c) => [c.name, c.reasons, c.details])).toEqual([
      ['a', ['macros'], ['calls changed macro `inner`']],
    ]);
  });

  it('treats everything as new without a production manifest', () => {
    const diff = diffManifests(undefined, manifest([stg, mart]));
    expect(diff.changes.map((c) => [c.name, c.reasons, c.applyAction])).toEqual([
      ['mart', ['new'], 'build table, publish'],
      ['stg', ['new'], 'create view, publish'],
    ]);
    expect(diff.breaking).toEqual([]);
    expect(diff.downstream).toEqual([]);
  });

  it('reports tests added, changed and removed, not as model changes', () => {
    const test = (name: string, kwargs: unknown) =>
      node(name, {
        resource_type: 'test',
        unique_id: `test.p.${name}`,
        attached_node: 'model.p.stg',
        test_metadata: { name: 'accepted_values', kwargs },
        ...dependsOn('model.p.stg'),
      });
    const base = manifest([stg, test('t_kept', { v: [1] }), test('t_gone', {})]);
    const head = manifest([stg, test('t_kept', { v: [1, 2] }), test('t_new', {})]);
    const diff = diffManifests(base, head);
    expect(diff.changes).toEqual([]);
    expect(diff.tests).toEqual({ added: ['t_new'], removed: ['t_gone'], changed: ['t_kept'] });
  });
});
