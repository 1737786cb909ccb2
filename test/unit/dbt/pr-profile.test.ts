import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { prProfile, prSchemaName } from '../../../src/dbt/pr-profile.js';

const projectYml = 'name: shop\nprofile: shop\n';
const profilesYml = `shop:
  target: dev
  outputs:
    dev:
      type: duckdb
      path: "{{ env_var('SHOP_DUCKDB_PATH', 'shop.duckdb') }}"
      schema: main
    prod:
      type: duckdb
      schema: analytics
`;

describe('prProfile', () => {
  it("sets the schema of the profile's target and keeps the rest as written", () => {
    const out = prProfile({ profilesYml, projectYml, schema: prSchemaName(42) });
    expect(out).toMatchObject({ ok: true, profile: 'shop', target: 'dev' });
    if (!out.ok) return;
    const parsed = parse(out.profilesYml);
    expect(parsed.shop.outputs.dev).toEqual({
      type: 'duckdb',
      path: "{{ env_var('SHOP_DUCKDB_PATH', 'shop.duckdb') }}",
      schema: 'pr_42',
    });
    expect(parsed.shop.outputs.prod.schema).toBe('analytics');
  });

  it('uses the configured target', () => {
    const out = prProfile({ profilesYml, projectYml, schema: 'pr_1', target: 'prod' });
    expect(out.ok && parse(out.profilesYml).shop.outputs.prod.schema).toBe('pr_1');
  });

  it.each([
    ['no profile named', { projectYml: 'name: shop\n' }, /names no `profile`/],
    ['an unknown profile', { projectYml: 'profile: other\n' }, /no profile `other`/],
    ['an unknown target', { target: 'staging' }, /no output `staging`/],
    [
      'a templated target',
      { profilesYml: profilesYml.replace('target: dev', `target: "{{ env_var('T') }}"`) },
      /is a template/,
    ],
    ['a schema that is not a plain name', { schema: 'pr_1; drop' }, /not a plain schema name/],
    ['broken YAML', { profilesYml: 'shop: [' }, /not valid YAML/],
  ])('refuses %s', (_name, over, message) => {
    const out = prProfile({ profilesYml, projectYml, schema: 'pr_1', ...over });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toMatch(message);
  });
});
