import { describe, expect, it } from 'vitest';
import {
  DEFAULT_WHEN_MODIFIED,
  parseRepoConfig,
  REPO_CONFIG_FILES,
} from '../../../src/config/repo-config.js';

/** `line:column message`, one per issue, so a table row reads like the output a user gets. */
function issues(text: string): string[] {
  const result = parseRepoConfig(text, 'sluice.yaml');
  if (result.ok) return [];
  return result.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message}`);
}

const P = 'version: 1\nprojects:\n';
/** What a project without the newer keys gets. */
const PLAIN = { type: 'terraform', dependsOn: [], executionOrderGroup: 0 } as const;

const invalid: Array<[string, string, string[]]> = [
  ['an empty file', '', ['sluice.yaml:1:1 The file is empty; it needs at least `version: 1`.']],
  [
    'only comments',
    '# soon\n',
    [
      'sluice.yaml:1:1 The file holds no settings (only comments or an empty value); it needs at least `version: 1`.',
    ],
  ],
  [
    'a list at the top',
    '- a\n',
    ['sluice.yaml:1:1 The file must hold a map of settings, starting with `version: 1`, not a list.'],
  ],
  ['no version', 'projects: []\n', ['sluice.yaml:1:1 `version` is required; add `version: 1` at the top.']],
  ['another version', 'version: 2\n', ['sluice.yaml:1:10 `version` must be the number 1, not the number 2.']],
  [
    'a quoted version',
    'version: "1"\n',
    ['sluice.yaml:1:10 `version` must be the number 1, not the text "1".'],
  ],
  [
    'a misspelt top-level key',
    'version: 1\nprojcts: []\n',
    ['sluice.yaml:2:1 Unknown key `projcts` at the top level. Did you mean `projects`?'],
  ],
  [
    'a local.pass_env entry that is no variable name',
    'version: 1\nlocal:\n  pass_env: [AWS_PROFILE, "TF VAR"]\n',
    [
      'sluice.yaml:3:27 `local.pass_env[1]` must be an environment variable name or a glob of names, e.g. `AWS_PROFILE` or `TF_VAR_*`, not the text "TF VAR".',
    ],
  ],
  [
    'an unknown key with nothing close',
    'version: 1\nfoo: 1\n',
    [
      'sluice.yaml:2:1 Unknown key `foo` at the top level. Allowed: `version`, `projects`, `workflows`, `parallel_plan`, `parallel_apply`, `automerge`, `lock_mode`, `local`.',
    ],
  ],
  [
    'a key in the wrong case',
    `${P}  - dir: a\n    Workspace: x\n`,
    ['sluice.yaml:4:5 Unknown key `Workspace` in a project. Did you mean `workspace`?'],
  ],
  [
    'dashes for underscores',
    `${P}  - dir: a\n    autoplan:\n      when-modified: ["*.tf"]\n`,
    ['sluice.yaml:5:7 Unknown key `when-modified` in `autoplan`. Did you mean `when_modified`?'],
  ],
  [
    'an Atlantis key Sluice does not have',
    `${P}  - dir: a\n    terraform_version: v1.5.0\n`,
    [
      'sluice.yaml:4:5 Unknown key `terraform_version` in a project. Allowed: `name`, `dir`, `workspace`, `type`, `autoplan`, `depends_on`, `execution_order_group`, `workflow`, `apply_requirements`, `plan_requirements`, `tool`, `dbt`.',
    ],
  ],
  [
    'dbt settings on a Terraform project',
    `${P}  - dir: a\n    dbt:\n      apply_target: prod\n`,
    ['sluice.yaml:4:5 `dbt` settings need `type: dbt` on the same project.'],
  ],
  [
    'a misspelt dbt setting',
    `${P}  - dir: a\n    type: dbt\n    dbt:\n      target: prod\n`,
    [
      'sluice.yaml:6:7 Unknown key `target` in `dbt`. Allowed: `profiles_dir`, `plan_target`, `apply_target`, `data_build`.',
    ],
  ],
  [
    'a dbt output name with a space',
    `${P}  - dir: a\n    type: dbt\n    dbt:\n      apply_target: my prod\n`,
    [
      'sluice.yaml:6:21 `projects[0].dbt.apply_target` must be a profile output name, not the text "my prod".',
    ],
  ],
  [
    'a misspelt tool distribution',
    `${P}  - dir: a\n    tool:\n      distribution: opentofo\n`,
    [
      'sluice.yaml:5:21 `projects[0].tool.distribution` must be one of `opentofu`, `terraform`, not the text "opentofo". Did you mean `opentofu`?',
    ],
  ],
  [
    'a tool version YAML reads as a number',
    `${P}  - dir: a\n    tool:\n      version: 1.11\n`,
    [
      'sluice.yaml:5:16 `projects[0].tool.version` must be a version or a version constraint in quotes (`"1.11.6"`, `"~> 1.11.0"`), not the number 1.11.',
    ],
  ],
  [
    'a tool version that is no version',
    `${P}  - dir: a\n    tool:\n      version: latest\n`,
    [
      'sluice.yaml:5:16 `latest` is neither a version nor a version constraint: write an exact version (`1.11.6`) or a constraint (`~> 1.11.0` for any 1.11.x, `>= 1.10, < 1.12`).',
    ],
  ],
  [
    'a tool version of two parts without an operator',
    `${P}  - dir: a\n    tool:\n      version: "1.11"\n`,
    [
      'sluice.yaml:5:16 `1.11` is neither a version nor a version constraint: write an exact version (`1.11.6`) or a constraint (`~> 1.11.0` for any 1.11.x, `>= 1.10, < 1.12`).',
    ],
  ],
  [
    'an exact tool version combined with a constraint',
    `${P}  - dir: a\n    tool: { version: "= 1.11.6, >= 1.10" }\n`,
    [
      'sluice.yaml:4:22 `= 1.11.6, >= 1.10` is neither a version nor a version constraint: write an exact version (`1.11.6`) or a constraint (`~> 1.11.0` for any 1.11.x, `>= 1.10, < 1.12`).',
    ],
  ],
  [
    'a misspelt key in tool',
    `${P}  - dir: a\n    tool:\n      verison: 1.11.6\n`,
    ['sluice.yaml:5:7 Unknown key `verison` in `tool`. Did you mean `version`?'],
  ],
  [
    'a tool written as a version',
    `${P}  - dir: a\n    tool: 1.11.6\n`,
    [
      'sluice.yaml:4:11 `projects[0].tool` must be a map with `distribution` and/or `version`, not the text "1.11.6".',
    ],
  ],
  [
    'a tool for a dbt project',
    `${P}  - dir: a\n    type: dbt\n    tool:\n      version: 1.11.6\n`,
    [
      'sluice.yaml:5:5 `tool` picks the OpenTofu/Terraform of a Terraform project; a dbt project runs the server’s dbt.',
    ],
  ],
  [
    'a project without dir',
    `${P}  - name: a\n`,
    [
      'sluice.yaml:3:5 This project has no `dir`; set it to the folder with its .tf files, relative to the repo root.',
    ],
  ],
  [
    'an empty dir value points at the key',
    `${P}  - dir:\n`,
    [
      'sluice.yaml:3:5 `projects[0].dir` must be a folder path relative to the repo root, not an empty value.',
    ],
  ],
  ['an empty dir string', `${P}  - dir: ""\n`, ['sluice.yaml:3:10 `projects[0].dir` must not be empty.']],
  [
    'an absolute dir',
    `${P}  - dir: /etc\n`,
    ['sluice.yaml:3:10 `dir` must be a folder inside the repo, relative to its root; `/etc` is not.'],
  ],
  [
    'a dir escaping the repo',
    `${P}  - dir: a/../../up\n`,
    ['sluice.yaml:3:10 `dir` must be a folder inside the repo, relative to its root; `a/../../up` is not.'],
  ],
  [
    'a workspace with a slash',
    `${P}  - dir: a\n    workspace: a/b\n`,
    ['sluice.yaml:4:16 Workspace `a/b` is not a valid name: it may not contain `/`, `\\`, `..` or spaces.'],
  ],
  [
    'a workspace with a space',
    `${P}  - dir: a\n    workspace: "my ws"\n`,
    ['sluice.yaml:4:16 Workspace `my ws` is not a valid name: it may not contain `/`, `\\`, `..` or spaces.'],
  ],
  [
    'a workspace of dots',
    `${P}  - dir: a\n    workspace: ..\n`,
    ['sluice.yaml:4:16 Workspace `..` is not a valid name: it may not contain `/`, `\\`, `..` or spaces.'],
  ],
  [
    'two projects with one name',
    `${P}  - name: x\n    dir: a\n  - name: x\n    dir: b\n`,
    ['sluice.yaml:5:11 Project name `x` is already used by `projects[0]`; names must be unique.'],
  ],
  [
    'a default name taken by an explicit one',
    `${P}  - dir: envs/a\n    name: envs/b\n  - dir: envs/b\n`,
    [
      "sluice.yaml:5:5 This project's default name `envs/b` is already used by `projects[0]`; give one of them another `name`.",
    ],
  ],
  [
    'two projects with the same dir and workspace, however written',
    `${P}  - dir: a\n  - dir: ./a/\n`,
    [
      'sluice.yaml:4:10 `projects[0]` already plans `a` in workspace `default`; give each project its own dir or workspace.',
    ],
  ],
  [
    'yes is not a boolean in YAML 1.2',
    `${P}  - dir: a\n    autoplan:\n      enabled: yes\n`,
    ['sluice.yaml:5:16 `projects[0].autoplan.enabled` must be `true` or `false`, not the text "yes".'],
  ],
  [
    'when_modified as a string',
    `${P}  - dir: a\n    autoplan:\n      when_modified: "*.tf"\n`,
    [
      'sluice.yaml:5:22 `projects[0].autoplan.when_modified` must be a list of glob patterns, not the text "*.tf".',
    ],
  ],
  [
    'a pattern that is not text',
    `${P}  - dir: a\n    autoplan:\n      when_modified: ["*.tf", 3]\n`,
    ['sluice.yaml:5:31 `projects[0].autoplan.when_modified[1]` must be a glob pattern, not the number 3.'],
  ],
  [
    'a pattern leaving the repo',
    `${P}  - dir: a/b\n    autoplan:\n      when_modified: ["../../../x/*.tf"]\n`,
    [
      'sluice.yaml:5:23 Pattern `../../../x/*.tf` points outside the repo; patterns are relative to the project dir `a/b`.',
    ],
  ],
  [
    'a project written as a string',
    `${P}  - envs/prod\n`,
    ['sluice.yaml:3:5 `projects[0]` must be a map with at least `dir`, not the text "envs/prod".'],
  ],
  [
    'projects as a map',
    `${P}  dir: a\n`,
    ['sluice.yaml:3:3 `projects` must be a list of projects, not a map.'],
  ],
  [
    'several problems, in file order',
    `version: 1\nprojects:\n  - dir: /a\n    workspce: x\n  - dir: b\n    autoplan:\n      enabled: 1\n`,
    [
      'sluice.yaml:3:10 `dir` must be a folder inside the repo, relative to its root; `/a` is not.',
      'sluice.yaml:4:5 Unknown key `workspce` in a project. Did you mean `workspace`?',
      'sluice.yaml:7:16 `projects[1].autoplan.enabled` must be `true` or `false`, not the number 1.',
    ],
  ],
  [
    'a duplicate key',
    'version: 1\nversion: 1\n',
    ['sluice.yaml:2:1 Key `version` appears twice in the same map; keep one.'],
  ],
  [
    'bad indentation',
    `${P}  - dir: a\n   bad: 1\n`,
    ['sluice.yaml:4:1 YAML syntax error: Sequence item without - indicator.'],
  ],
  [
    'a tab as indentation',
    '\tversion: 1\n',
    ['sluice.yaml:1:1 YAML syntax error: Tabs are not allowed as indentation.'],
  ],
  [
    'an unclosed flow list',
    'version: 1\nprojects: [\n',
    [
      'sluice.yaml:3:1 YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ].',
    ],
  ],
  [
    'an alias without anchor',
    `${P}  - dir: a\n    autoplan: *defaults\n`,
    ['sluice.yaml:4:15 Alias `*defaults` refers to an anchor that is not defined above it.'],
  ],
];

describe('parseRepoConfig', () => {
  it.each(invalid)('rejects %s with the place to fix', (_, text, expected) => {
    expect(issues(text)).toEqual(expected);
  });

  it('fills in defaults and normalises dirs', () => {
    const result = parseRepoConfig(
      `${P}  - dir: ./envs/prod/\n  - name: net\n    dir: network\n    workspace: east\n    autoplan:\n      enabled: false\n      when_modified: ["*.tf", "../modules/**"]\n  - dir: .\n`,
      'sluice.yaml',
    );
    expect(result).toEqual({
      ok: true,
      config: {
        version: 1,
        projects: [
          {
            name: 'envs/prod',
            dir: 'envs/prod',
            workspace: 'default',
            autoplan: { enabled: true, whenModified: [...DEFAULT_WHEN_MODIFIED] },
            ...PLAIN,
          },
          {
            name: 'net',
            dir: 'network',
            workspace: 'east',
            autoplan: { enabled: false, whenModified: ['*.tf', '../modules/**'] },
            ...PLAIN,
          },
          {
            name: '.',
            dir: '.',
            workspace: 'default',
            autoplan: { enabled: true, whenModified: [...DEFAULT_WHEN_MODIFIED] },
            ...PLAIN,
          },
        ],
      },
      warnings: [],
    });
  });

  it("reads a project's tool: distribution, exact version or constraint, as written", () => {
    const result = parseRepoConfig(
      `${P}  - dir: a\n    tool:\n      distribution: opentofu\n      version: 1.11.6\n  - dir: b\n    tool:\n      version: "~> 1.11.0"\n  - dir: c\n    tool: { distribution: terraform, version: ">= 1.5, < 1.6" }\n  - dir: d\n    tool: { version: v1.12.6 }\n  - dir: e\n`,
      'sluice.yaml',
    );
    expect(result.ok && result.config.projects?.map((p) => [p.dir, p.tool])).toEqual([
      ['a', { distribution: 'opentofu', version: '1.11.6' }],
      ['b', { version: '~> 1.11.0' }],
      ['c', { distribution: 'terraform', version: '>= 1.5, < 1.6' }],
      ['d', { version: 'v1.12.6' }],
      ['e', undefined],
    ]);
  });

  it('keeps "no projects key" apart from "an empty list"', () => {
    expect(parseRepoConfig('version: 1\n', 'sluice.yaml')).toEqual({
      ok: true,
      config: { version: 1 },
      warnings: [],
    });
    expect(parseRepoConfig('version: 1\nprojects: []\n', 'sluice.yaml')).toEqual({
      ok: true,
      config: { version: 1, projects: [] },
      warnings: [],
    });
  });

  it('names a non-default workspace into the default name, and accepts anchors', () => {
    const result = parseRepoConfig(
      'version: 1\nprojects:\n  - dir: a\n    workspace: ops\n    autoplan: &auto\n      enabled: false\n  - dir: b\n    autoplan: *auto\n',
      'sluice.yml',
    );
    expect(result.ok && result.config.projects?.map((p) => [p.name, p.autoplan.enabled])).toEqual([
      ['a:ops', false],
      ['b', false],
    ]);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 8; i++)
      bomb.push(`${'bcdefghi'[i]}: &${'bcdefghi'[i]} [${Array(10).fill(`*${'abcdefgh'[i]}`).join(', ')}]`);
    const result = parseRepoConfig(bomb.join('\n'), 'sluice.yaml');
    expect(result.ok).toBe(false);
    expect(result.ok ? [] : result.issues[0]?.message).toMatch(/could not be read as YAML/);
  });

  it('reports the file it was given', () => {
    expect(parseRepoConfig('version: 3\n', 'sluice.yml')).toMatchObject({
      ok: false,
      issues: [{ file: 'sluice.yml' }],
    });
    expect(REPO_CONFIG_FILES).toEqual(['sluice.yaml', 'sluice.yml']);
  });
});
