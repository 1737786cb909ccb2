import { describe, expect, it } from 'vitest';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import { selectProjects } from '../../../src/jobs/select-projects.js';

describe('selectProjects keeps each project type', () => {
  it('takes `type: dbt` from the repo config for a project named with -p', () => {
    const parsed = parseRepoConfig(
      'version: 1\nprojects:\n  - dir: shop\n    type: dbt\n  - dir: network\n',
      'sluice.yaml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const pick = (name: string) =>
      selectProjects({ job: { target: { project: name } }, discovered: [], config: parsed.config });
    expect(pick('shop')).toMatchObject({ ok: true, projects: [{ name: 'shop', type: 'dbt' }] });
    expect(pick('network')).toMatchObject({ ok: true, projects: [{ name: 'network', type: 'terraform' }] });
  });

  it('plans a folder named with -d as dbt where it has a dbt_project.yml', () => {
    const pick = (dir: string) =>
      selectProjects({ job: { target: { dir } }, discovered: [], dbtDirs: new Set(['shop']) });
    expect(pick('shop')).toMatchObject({ ok: true, projects: [{ dir: 'shop', type: 'dbt' }] });
    expect(pick('network')).toMatchObject({ ok: true, projects: [{ dir: 'network', type: 'terraform' }] });
  });
});
