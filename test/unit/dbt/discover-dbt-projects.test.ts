import { describe, expect, it } from 'vitest';
import { discoverDbtProjects } from '../../../src/dbt/discover-dbt-projects.js';
import type { ChangedFile } from '../../../src/forge/types.js';

const repo = [
  'analytics/dbt_project.yml',
  'analytics/models/staging/stg_orders.sql',
  'analytics/models/marts/_marts.yml',
  'analytics/seeds/orders.csv',
  'analytics/README.md',
  'analytics/dbt_packages/dbt_utils/dbt_project.yml',
  'analytics/dbt_packages/dbt_utils/macros/x.sql',
  'analytics/nested/dbt_project.yml',
  'analytics/nested/models/n.sql',
  'dbt_project.yml',
  'models/root.sql',
  'infra/main.tf',
];

const changed = (...paths: string[]): ChangedFile[] => paths.map((path) => ({ path, status: 'modified' }));

describe('discoverDbtProjects', () => {
  it.each([
    { name: 'a model file', files: changed('analytics/models/staging/stg_orders.sql'), dirs: ['analytics'] },
    { name: 'a YAML file', files: changed('analytics/models/marts/_marts.yml'), dirs: ['analytics'] },
    { name: 'a seed', files: changed('analytics/seeds/orders.csv'), dirs: ['analytics'] },
    { name: 'dbt_project.yml itself', files: changed('analytics/dbt_project.yml'), dirs: ['analytics'] },
    {
      name: 'the nearest project wins',
      files: changed('analytics/nested/models/n.sql'),
      dirs: ['analytics/nested'],
    },
    { name: 'a project at the repo root', files: changed('models/root.sql'), dirs: ['.'] },
    {
      name: 'an installed package belongs to its project',
      files: changed('analytics/dbt_packages/dbt_utils/macros/x.sql'),
      dirs: [],
    },
    { name: 'generated target files', files: changed('analytics/target/manifest.json'), dirs: [] },
    { name: 'Terraform outside any dbt project', files: changed('infra/main.tf'), dirs: [] },
    { name: 'a file type dbt does not read', files: changed('analytics/models/diagram.png'), dirs: [] },
    {
      name: 'several files, each project once, sorted',
      files: changed('analytics/nested/models/n.sql', 'models/root.sql', 'analytics/seeds/orders.csv'),
      dirs: ['.', 'analytics', 'analytics/nested'],
    },
    {
      name: "a rename's old path counts",
      files: [
        {
          path: 'analytics/nested/models/x.sql',
          previousPath: 'analytics/models/old.sql',
          status: 'renamed',
        },
      ],
      dirs: ['analytics', 'analytics/nested'],
    },
  ] as Array<{ name: string; files: ChangedFile[]; dirs: string[] }>)('$name', ({ files, dirs }) => {
    expect(discoverDbtProjects(files, repo).map((p) => p.dir)).toEqual(dirs);
  });

  it('returns dbt projects named after their dir', () => {
    expect(discoverDbtProjects(changed('analytics/models/staging/stg_orders.sql'), repo)).toEqual([
      { name: 'analytics', dir: 'analytics', workspace: 'default', type: 'dbt', reason: 'changed' },
    ]);
  });

  it('drops a project whose dbt_project.yml is gone at head', () => {
    const files: ChangedFile[] = [
      { path: 'old/dbt_project.yml', status: 'removed' },
      { path: 'old/models/a.sql', status: 'removed' },
    ];
    const withoutRoot = repo.filter((path) => path !== 'dbt_project.yml');
    expect(discoverDbtProjects(files, withoutRoot)).toEqual([]);
    // With a project at the root, the files were that project's: it encloses them.
    expect(discoverDbtProjects(files, repo).map((p) => p.dir)).toEqual(['.']);
  });
});
