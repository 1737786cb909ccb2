import { describe, expect, it } from 'vitest';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import type { ChangedFile } from '../../../src/forge/types.js';
import { discoverProjects } from '../../../src/projects/discover.js';

const root = (...calls: string[]) =>
  `terraform {\n  required_version = ">= 1.6"\n}\n\n${calls.map((source, i) => `module "m${i}" {\n  source = "${source}"\n}\n`).join('\n')}`;
const leaf = 'variable "name" {\n  type = string\n}\n';

/** A small monorepo most cases share: two envs calling a bucket module, a network root and docs. */
const REPO: Record<string, string> = {
  'README.md': '# infra\n',
  'docs/guide.md': 'guide\n',
  'envs/prod/main.tf': root('../../modules/bucket'),
  'envs/prod/prod.tfvars': 'name = "prod"\n',
  'envs/prod/.terraform.lock.hcl': '# lock\n',
  'envs/prod/README.md': 'prod\n',
  'envs/staging/main.tf': root('../../modules/bucket'),
  'modules/bucket/main.tf': root('../naming'),
  'modules/naming/main.tf': leaf,
  'network/main.tf': root(),
  'network/outputs.tf': 'output "id" {\n  value = 1\n}\n',
};

const modified = (...paths: string[]): ChangedFile[] => paths.map((path) => ({ path, status: 'modified' }));
const removed = (...paths: string[]): ChangedFile[] => paths.map((path) => ({ path, status: 'removed' }));
const renamed = (previousPath: string, path: string): ChangedFile => ({
  path,
  previousPath,
  status: 'renamed',
});

interface Case {
  name: string;
  files?: Record<string, string>;
  changed: ChangedFile[];
  config?: string;
  /** `dir@workspace (reason)`, in order. */
  expected: string[];
}

const cases: Case[] = [
  { name: 'a docs-only PR plans nothing', changed: modified('README.md', 'docs/guide.md'), expected: [] },
  {
    name: 'a non-Terraform file inside a project dir plans nothing',
    changed: modified('envs/prod/README.md'),
    expected: [],
  },
  { name: 'one changed root', changed: modified('network/main.tf'), expected: ['network@default (changed)'] },
  {
    name: 'two roots, sorted by dir, each once',
    changed: modified('network/outputs.tf', 'envs/prod/main.tf', 'network/main.tf'),
    expected: ['envs/prod@default (changed)', 'network@default (changed)'],
  },
  {
    name: 'a .tfvars file and the lock file count as Terraform files',
    changed: modified('envs/prod/prod.tfvars', 'envs/staging/.terraform.lock.hcl'),
    files: { ...REPO, 'envs/staging/.terraform.lock.hcl': '# lock\n' },
    expected: ['envs/prod@default (changed)', 'envs/staging@default (changed)'],
  },
  {
    name: 'the repo root is project "."',
    files: { 'main.tf': root(), 'README.md': 'x' },
    changed: modified('main.tf'),
    expected: ['.@default (changed)'],
  },
  {
    name: 'a rename plans the new dir and the old one when it still has configuration',
    files: { ...REPO, 'network/vpc.tf': 'x' },
    changed: [renamed('network/outputs.tf', 'envs/staging/outputs.tf')],
    expected: ['envs/staging@default (changed)', 'network@default (changed)'],
  },
  {
    name: 'a rename out of a dir that is now gone plans only the new dir',
    files: { 'stacks/new/main.tf': root() },
    changed: [renamed('stacks/old/main.tf', 'stacks/new/main.tf')],
    expected: ['stacks/new@default (changed)'],
  },
  {
    name: 'a dir deleted as a whole is skipped',
    files: { 'network/main.tf': root() },
    changed: removed('legacy/main.tf', 'legacy/variables.tf', 'legacy/.terraform.lock.hcl'),
    expected: [],
  },
  {
    name: 'a removed file in a dir that keeps configuration plans that dir',
    changed: removed('network/old.tf'),
    expected: ['network@default (changed)'],
  },
  {
    name: 'a module change plans every root that calls it, not the module',
    changed: modified('modules/bucket/main.tf'),
    expected: ['envs/prod@default (module)', 'envs/staging@default (module)'],
  },
  {
    name: 'a change to a module of a module reaches the roots transitively',
    changed: modified('modules/naming/main.tf'),
    expected: ['envs/prod@default (module)', 'envs/staging@default (module)'],
  },
  {
    name: 'a root whose own files changed is "changed" even when a module it calls changed too',
    changed: modified('modules/bucket/main.tf', 'envs/prod/main.tf'),
    expected: ['envs/prod@default (changed)', 'envs/staging@default (module)'],
  },
  {
    name: 'a module called from a .tf.json root',
    files: {
      'app/main.tf.json': JSON.stringify({ module: { svc: { source: '../modules/svc', name: 'x' } } }),
      'modules/svc/main.tf': leaf,
    },
    changed: modified('modules/svc/main.tf'),
    expected: ['app@default (module)'],
  },
  {
    name: 'a .tf.json module block in array form, and a .tofu root',
    files: {
      'a/main.tf.json': JSON.stringify({ module: [{ one: { source: './sub' } }] }),
      'a/sub/main.tf': leaf,
      'b/main.tofu': root('../a/sub'),
    },
    changed: modified('a/sub/main.tf'),
    expected: ['a@default (module)', 'b@default (module)'],
  },
  {
    name: 'module calls in comments and heredocs do not count',
    files: {
      'app/main.tf': [
        '# module "old" { source = "../lib" }',
        '// module "older" { source = "../lib" }',
        '/* module "oldest" {',
        '  source = "../lib"',
        '} */',
        'locals {',
        '  doc = <<-EOT',
        '    module "x" { source = "../lib" }',
        '  EOT',
        '}',
      ].join('\n'),
      'lib/main.tf': leaf,
    },
    changed: modified('lib/main.tf'),
    expected: ['lib@default (changed)'],
  },
  {
    name: 'tolerant of layout: labels without quotes, odd spacing, other attributes and nested maps',
    files: {
      'app/main.tf':
        'module lib{\n  providers = { aws = aws.east, source = "nope" }\n  name="a ${var.x} }"\n  source\t=   "../lib"\n}\n',
      'lib/main.tf': leaf,
      'nope/main.tf': leaf,
    },
    changed: modified('lib/main.tf', 'nope/main.tf'),
    expected: ['app@default (module)', 'nope@default (changed)'],
  },
  {
    name: 'registry, git and escaping sources are not local modules',
    files: {
      'app/main.tf': root('hashicorp/consul/aws', 'git::https://example.com/m.git', '../../../outside'),
      'outside/main.tf': leaf,
    },
    changed: modified('app/main.tf', 'outside/main.tf'),
    expected: ['app@default (changed)', 'outside@default (changed)'],
  },
  {
    name: 'modules that only call each other have no root to plan',
    files: { 'a/main.tf': root('../b'), 'b/main.tf': root('../a') },
    changed: modified('a/main.tf'),
    expected: [],
  },
  {
    name: 'a dir calling itself is still a root',
    files: { 'a/main.tf': root('./') },
    changed: modified('a/main.tf'),
    expected: ['a@default (changed)'],
  },
  {
    name: 'paths are normalised before comparing',
    changed: modified('./network/main.tf', 'envs//prod/main.tf', 'envs/staging/../staging/main.tf'),
    expected: ['envs/prod@default (changed)', 'envs/staging@default (changed)', 'network@default (changed)'],
  },
  {
    name: 'files under a committed .terraform dir are ignored',
    files: { ...REPO, 'network/.terraform/modules/x/main.tf': leaf },
    changed: modified('network/.terraform/modules/x/main.tf'),
    expected: [],
  },
  {
    name: 'a dir with only variable files is not a project',
    files: { ...REPO, 'vars/prod.tfvars': 'a = 1\n' },
    changed: modified('vars/prod.tfvars'),
    expected: [],
  },
  {
    name: 'config: only listed projects, matched by the default when_modified',
    config: 'version: 1\nprojects:\n  - dir: network\n  - dir: envs/prod\n',
    changed: modified('network/main.tf', 'envs/staging/main.tf', 'envs/prod/README.md'),
    expected: ['network@default (config)'],
  },
  {
    name: 'config: when_modified may reach outside the project dir',
    config:
      'version: 1\nprojects:\n  - dir: envs/prod\n    autoplan:\n      when_modified: ["*.tf", "../../modules/**/*.tf"]\n  - dir: network\n',
    changed: modified('modules/naming/main.tf'),
    expected: ['envs/prod@default (config)'],
  },
  {
    name: 'config: when_modified globs are relative to the project dir',
    config: 'version: 1\nprojects:\n  - dir: envs/prod\n    autoplan:\n      when_modified: ["*.tf"]\n',
    changed: modified('envs/prod/sub/x.tf', 'network/main.tf'),
    expected: [],
  },
  {
    name: 'config: a later "!" pattern excludes files',
    config:
      'version: 1\nprojects:\n  - dir: envs/prod\n    autoplan:\n      when_modified: ["**/*", "!README.md"]\n',
    changed: modified('envs/prod/README.md'),
    expected: [],
  },
  {
    name: 'config: autoplan disabled is never planned automatically',
    config:
      'version: 1\nprojects:\n  - dir: network\n    autoplan:\n      enabled: false\n  - dir: envs/prod\n',
    changed: modified('network/main.tf', 'envs/prod/main.tf'),
    expected: ['envs/prod@default (config)'],
  },
  {
    name: 'config: one dir in two workspaces, sorted by workspace',
    config:
      'version: 1\nprojects:\n  - dir: network\n    workspace: west\n  - dir: network\n    workspace: east\n  - dir: ./network/\n',
    changed: modified('network/main.tf'),
    expected: ['network@default (config)', 'network@east (config)', 'network@west (config)'],
  },
  {
    name: 'config: a listed dir with no configuration left is skipped',
    config: 'version: 1\nprojects:\n  - dir: legacy\n',
    changed: removed('legacy/main.tf'),
    expected: [],
  },
  {
    name: 'config: an empty project list plans nothing',
    config: 'version: 1\nprojects: []\n',
    changed: modified('network/main.tf'),
    expected: [],
  },
  {
    name: 'config without projects finds projects itself',
    config: 'version: 1\n',
    changed: modified('modules/bucket/main.tf'),
    expected: ['envs/prod@default (module)', 'envs/staging@default (module)'],
  },
];

describe('discoverProjects', () => {
  it.each(cases)('$name', ({ files = REPO, changed, config, expected }) => {
    const parsed = config === undefined ? undefined : parseRepoConfig(config, 'sluice.yaml');
    if (parsed && !parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const projects = discoverProjects({
      changedFiles: changed,
      repoFiles: Object.keys(files),
      readFile: (path) => files[path],
      config: parsed?.config,
    });
    expect(projects.map((p) => `${p.dir}@${p.workspace} (${p.reason})`)).toEqual(expected);
  });

  it('names projects like Atlantis and marks them terraform', () => {
    const projects = discoverProjects({
      changedFiles: modified('network/main.tf'),
      repoFiles: Object.keys(REPO),
      readFile: (path) => REPO[path],
      config: (
        parseRepoConfig(
          'version: 1\nprojects:\n  - dir: network\n    workspace: ops\n  - name: net\n    dir: network\n',
          'sluice.yaml',
        ) as { ok: true; config: never }
      ).config,
    });
    expect(projects).toEqual([
      { name: 'net', dir: 'network', workspace: 'default', type: 'terraform', reason: 'config' },
      { name: 'network:ops', dir: 'network', workspace: 'ops', type: 'terraform', reason: 'config' },
    ]);
  });

  it('reads each configuration file at most once and nothing when no Terraform file changed', () => {
    const reads: string[] = [];
    const input = (changedFiles: ChangedFile[]) => ({
      changedFiles,
      repoFiles: Object.keys(REPO),
      readFile: (path: string) => {
        reads.push(path);
        return REPO[path];
      },
    });
    discoverProjects(input(modified('README.md')));
    expect(reads).toEqual([]);
    discoverProjects(input(modified('network/main.tf')));
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads.every((p) => /\.tf(\.json)?$|\.tofu$/.test(p))).toBe(true);
  });
});

describe('discoverProjects with dbt projects', () => {
  const files: Record<string, string> = {
    ...REPO,
    'shop/dbt_project.yml': 'name: shop\nprofile: shop\n',
    'shop/models/stg_orders.sql': 'select 1\n',
    'analytics/dbt_project.yml': 'name: analytics\nprofile: analytics\n',
  };
  const discover = (changed: ChangedFile[], config?: string) => {
    const parsed = config === undefined ? undefined : parseRepoConfig(config, 'sluice.yaml');
    if (parsed && !parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    return discoverProjects({
      changedFiles: changed,
      repoFiles: Object.keys(files),
      readFile: (path) => files[path],
      config: parsed?.config,
    }).map((p) => `${p.name} ${p.type} (${p.reason})`);
  };

  it('finds the dbt projects a change touches beside the Terraform roots, sorted by dir', () => {
    expect(discover(modified('shop/models/stg_orders.sql', 'network/main.tf'))).toEqual([
      'network terraform (changed)',
      'shop dbt (changed)',
    ]);
    expect(discover(modified('shop/target/manifest.json', 'docs/guide.md'))).toEqual([]);
  });

  it('plans `type: dbt` projects of the repo config where a dbt_project.yml is', () => {
    const config =
      'version: 1\nprojects:\n  - dir: shop\n    type: dbt\n  - dir: network\n    type: dbt\n  - dir: analytics\n';
    // `network` has no dbt_project.yml and `analytics` no Terraform files: neither is planned.
    expect(
      discover(
        modified('shop/models/stg_orders.sql', 'network/main.tf', 'analytics/dbt_project.yml'),
        config,
      ),
    ).toEqual(['shop dbt (config)']);
  });
});
