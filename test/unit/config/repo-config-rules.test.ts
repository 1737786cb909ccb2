import { describe, expect, it } from 'vitest';
import { parseAtlantisConfig } from '../../../src/config/atlantis-config.js';
import { parseRepoConfig } from '../../../src/config/repo-config.js';
import { parseRepoConfigFile } from '../../../src/config/repo-config-file.js';
import { defaultRules, type RepoRules } from '../../../src/config/rules.js';
import { formatIssue } from '../../../src/config/yaml-config.js';

/** The repository may set nothing restricted (the default). */
const STRICT = defaultRules();
/** Everything may be overridden, custom workflows allowed, and the server defines `terragrunt`. */
const LOOSE: RepoRules = {
  ...defaultRules(),
  allowedOverrides: ['apply_requirements', 'plan_requirements', 'workflow', 'lock_mode'],
  allowCustomWorkflows: true,
  workflows: { terragrunt: { plan: [], apply: [] } },
};
/** Workflows may be named, but only `default`. */
const ONLY_DEFAULT: RepoRules = { ...LOOSE, allowCustomWorkflows: false, allowedWorkflows: ['default'] };

function issues(text: string, rules?: RepoRules, file = 'sluice.yaml'): string[] {
  const result = parseRepoConfigFile(text, file, { rules });
  return result.ok ? (result.warnings ?? []).map(formatIssue) : result.issues.map(formatIssue);
}

const P = 'version: 1\nprojects:\n';
const A = 'version: 3\nprojects:\n';

const cases: Array<[string, string, RepoRules | undefined, string[]]> = [
  [
    'an unknown project type',
    `${P}  - dir: a\n    type: helm\n`,
    undefined,
    ['sluice.yaml:4:11: `projects[0].type` must be one of `terraform`, `dbt`, not the text "helm".'],
  ],
  [
    'depends_on a project that does not exist',
    `${P}  - dir: a\n    depends_on: [b]\n`,
    undefined,
    ['sluice.yaml:4:18: `depends_on` names `b`, which is not a project here.'],
  ],
  [
    'depends_on by the last segment of a name',
    `${P}  - dir: a\n    depends_on: [b]\n  - dir: envs/b\n`,
    undefined,
    ['sluice.yaml:4:18: `depends_on` names `b`, which is not a project here. Did you mean `envs/b`?'],
  ],
  [
    'depends_on itself',
    `${P}  - dir: a\n    depends_on: [a]\n`,
    undefined,
    ['sluice.yaml:4:18: Project `a` cannot depend on itself.'],
  ],
  [
    'a circle of dependencies',
    `${P}  - dir: a\n    depends_on: [b]\n  - dir: b\n    depends_on: [c]\n  - dir: c\n    depends_on: [a]\n`,
    undefined,
    ['sluice.yaml:4:17: `depends_on` goes round in a circle: `a` → `b` → `c` → `a`.'],
  ],
  [
    'an execution order group in words',
    `${P}  - dir: a\n    execution_order_group: first\n`,
    undefined,
    ['sluice.yaml:4:28: `projects[0].execution_order_group` must be a whole number, not the text "first".'],
  ],
  [
    'parallel_plan: "yes"',
    'version: 1\nparallel_plan: "yes"\n',
    undefined,
    ['sluice.yaml:2:16: `parallel_plan` must be `true` or `false`, not the text "yes".'],
  ],
  [
    "Atlantis's lock words in sluice.yaml",
    'version: 1\nlock_mode: on_apply\n',
    undefined,
    ['sluice.yaml:2:12: `lock_mode` must be one of `plan`, `apply`, `off`, not the text "on_apply".'],
  ],
  [
    'two apply steps',
    'version: 1\nworkflows:\n  mine:\n    apply:\n      steps: [apply, apply]\n',
    undefined,
    [
      'sluice.yaml:5:14: The `apply` stage needs exactly one `apply` step (it has 2): Sluice applies the reviewed plan there.',
    ],
  ],
  [
    'an env step setting HOME',
    'version: 1\nworkflows:\n  mine:\n    apply:\n      steps:\n        - env: {name: HOME, value: /x}\n        - apply\n',
    undefined,
    ['sluice.yaml:6:23: `HOME` is set by Sluice itself and cannot be configured.'],
  ],
  [
    'an unknown stage',
    'version: 1\nworkflows:\n  mine:\n    deploy: {}\n',
    undefined,
    ['sluice.yaml:4:5: Unknown key `deploy` in a workflow. Allowed: `plan`, `apply`.'],
  ],
  [
    'an empty run command',
    'version: 1\nworkflows:\n  mine:\n    plan:\n      steps:\n        - run: []\n        - plan\n',
    undefined,
    ['sluice.yaml:6:16: `workflows.mine.plan.steps[0].run` must not be an empty list.'],
  ],
  [
    'workflows as a list',
    'version: 1\nworkflows: [a]\n',
    undefined,
    ['sluice.yaml:2:12: `workflows` must be a map of workflows by name, not a list.'],
  ],
  [
    'apply_requirements the server does not allow',
    `${P}  - dir: a\n    apply_requirements: [approved]\n`,
    STRICT,
    [
      'sluice.yaml:4:5: This repository may not set `apply_requirements`: the server config decides it. Remove it, or ask a Sluice admin to add `apply_requirements` to `allowed_overrides` for this repository.',
    ],
  ],
  [
    'plan_requirements the server does not allow',
    `${P}  - dir: a\n    plan_requirements: [approved]\n`,
    STRICT,
    [
      'sluice.yaml:4:5: This repository may not set `plan_requirements`: the server config decides it. Remove it, or ask a Sluice admin to add `plan_requirements` to `allowed_overrides` for this repository.',
    ],
  ],
  [
    'a workflow the server does not let it pick',
    `${P}  - dir: a\n    workflow: terragrunt\n`,
    STRICT,
    [
      'sluice.yaml:4:5: This repository may not set `workflow`: the server config decides it. Remove it, or ask a Sluice admin to add `workflow` to `allowed_overrides` for this repository.',
    ],
  ],
  [
    'a lock mode the server does not let it set',
    'version: 1\nlock_mode: off\n',
    STRICT,
    [
      'sluice.yaml:2:1: This repository may not set `lock_mode`: the server config decides it. Remove it, or ask a Sluice admin to add `lock_mode` to `allowed_overrides` for this repository.',
    ],
  ],
  [
    'custom workflows without allow_custom_workflows',
    'version: 1\nworkflows:\n  mine:\n    plan:\n      steps: [init, plan]\n',
    STRICT,
    [
      'sluice.yaml:2:1: This repository may not define its own workflows: they would run its commands on the Sluice server. Remove `workflows`, or ask a Sluice admin to set `allow_custom_workflows: true` for this repository.',
    ],
  ],
  [
    'a misspelt workflow',
    `${P}  - dir: a\n    workflow: terragrnt\n`,
    LOOSE,
    ['sluice.yaml:4:15: Workflow `terragrnt` is not defined. Did you mean `terragrunt`?'],
  ],
  [
    'a workflow nobody defined',
    `${P}  - dir: a\n    workflow: helmfile\n`,
    LOOSE,
    ['sluice.yaml:4:15: Workflow `helmfile` is not defined. Defined: `default`, `terragrunt`.'],
  ],
  [
    'a server workflow outside allowed_workflows',
    `${P}  - dir: a\n    workflow: terragrunt\n`,
    ONLY_DEFAULT,
    ['sluice.yaml:4:15: Workflow `terragrunt` is not allowed for this repository. Allowed: `default`.'],
  ],
  [
    'every refusal at once, in file order',
    `version: 1\nlock_mode: off\nprojects:\n  - dir: a\n    apply_requirements: []\n    workflow: default\nworkflows:\n  w:\n    plan:\n      steps: [plan]\n`,
    STRICT,
    [
      'sluice.yaml:2:1: This repository may not set `lock_mode`: the server config decides it. Remove it, or ask a Sluice admin to add `lock_mode` to `allowed_overrides` for this repository.',
      'sluice.yaml:5:5: This repository may not set `apply_requirements`: the server config decides it. Remove it, or ask a Sluice admin to add `apply_requirements` to `allowed_overrides` for this repository.',
      'sluice.yaml:6:5: This repository may not set `workflow`: the server config decides it. Remove it, or ask a Sluice admin to add `workflow` to `allowed_overrides` for this repository.',
      'sluice.yaml:7:1: This repository may not define its own workflows: they would run its commands on the Sluice server. Remove `workflows`, or ask a Sluice admin to set `allow_custom_workflows: true` for this repository.',
    ],
  ],
  // atlantis.yaml
  [
    'atlantis.yaml version 2',
    'version: 2\n',
    undefined,
    ['atlantis.yaml:1:10: `version` must be the number 3, not the number 2.'],
  ],
  [
    'atlantis.yaml without version',
    'projects: []\n',
    undefined,
    ['atlantis.yaml:1:1: `version` is required; Sluice reads `atlantis.yaml` version 3.'],
  ],
  [
    'a glob in an Atlantis dir',
    `${A}  - dir: modules/*\n`,
    undefined,
    [
      "atlantis.yaml:3:10: Sluice does not expand patterns in `dir` (`modules/*`); list each project's folder.",
    ],
  ],
  [
    'a policy_check step',
    `${A}  - dir: a\nworkflows:\n  tg:\n    plan:\n      steps: [init, policy_check, plan]\n`,
    undefined,
    [
      'atlantis.yaml:7:21: Sluice cannot run the Atlantis step `policy_check`; remove it or replace it with a `run` step.',
    ],
  ],
  [
    'a multienv step',
    `${A}  - dir: a\nworkflows:\n  tg:\n    plan:\n      steps:\n        - multienv: x\n        - plan\n`,
    undefined,
    [
      'atlantis.yaml:8:11: Sluice cannot run the Atlantis step `multienv`; remove it or replace it with a `run` step.',
    ],
  ],
  [
    'a misspelt Atlantis key',
    `${A}  - dir: a\n    apply_requirement: [approved]\n`,
    undefined,
    ['atlantis.yaml:4:5: Unknown key `apply_requirement` in a project. Did you mean `apply_requirements`?'],
  ],
  [
    'an Atlantis terraform_version that is no version, and an unknown distribution',
    `${A}  - dir: a\n    terraform_version: latest\n    terraform_distribution: hashicorp\n`,
    undefined,
    [
      'atlantis.yaml:4:24: `latest` is neither a version nor a version constraint: write an exact version (`1.11.6`) or a constraint (`~> 1.11.0` for any 1.11.x, `>= 1.10, < 1.12`).',
      'atlantis.yaml:5:29: `projects[0].terraform_distribution` must be one of `opentofu`, `terraform`, not the text "hashicorp".',
    ],
  ],
  [
    'an Atlantis terraform_version YAML reads as a number',
    `${A}  - dir: a\n    terraform_version: 1.5\n`,
    undefined,
    [
      'atlantis.yaml:4:24: `projects[0].terraform_version` must be a version or a version constraint in quotes (`"1.11.6"`, `"~> 1.11.0"`), not the number 1.5.',
    ],
  ],
  [
    'an unknown repo_locks mode',
    'version: 3\nrepo_locks:\n  mode: sometimes\n',
    undefined,
    [
      'atlantis.yaml:3:9: `repo_locks.mode` must be one of `disabled`, `on_plan`, `on_apply`, not the text "sometimes".',
    ],
  ],
  [
    'repo_locks the server does not let it set',
    'version: 3\nrepo_locks:\n  mode: disabled\n',
    STRICT,
    [
      'atlantis.yaml:2:1: This repository may not set `repo_locks`: the server config decides it. Remove it, or ask a Sluice admin to add `lock_mode` to `allowed_overrides` for this repository.',
    ],
  ],
  [
    'Atlantis apply_requirements (restricted there too)',
    `${A}  - dir: production\n    apply_requirements: [approved]\n`,
    STRICT,
    [
      'atlantis.yaml:4:5: This repository may not set `apply_requirements`: the server config decides it. Remove it, or ask a Sluice admin to add `apply_requirements` to `allowed_overrides` for this repository.',
    ],
  ],
  // Warnings: the file is valid, these keys do nothing in Sluice.
  [
    'Atlantis keys Sluice ignores (warnings)',
    `version: 3\ndelete_source_branch_on_merge: true\nprojects:\n  - dir: a\n    terraform_version: v1.5.0\n    branch: /main/\n`,
    undefined,
    [
      'atlantis.yaml:2:1: warning: `delete_source_branch_on_merge` is ignored: Sluice never deletes branches.',
      'atlantis.yaml:6:5: warning: `branch` is ignored: the project is planned for pull requests into any branch.',
    ],
  ],
  [
    'a policy_check stage and a run output (warnings)',
    `${A}  - dir: a\n    workflow: tg\nworkflows:\n  tg:\n    plan:\n      steps:\n        - run:\n            command: make\n            output: hide\n        - plan\n    policy_check:\n      steps: []\n`,
    LOOSE,
    [
      'atlantis.yaml:11:13: warning: `output` is ignored: Sluice shows the output of `run` steps as it is.',
      'atlantis.yaml:13:5: warning: `policy_check` is ignored: Sluice has no policy checks.',
    ],
  ],
];

describe('repo config against the server rules, and atlantis.yaml', () => {
  it.each(cases)('%s', (_, text, rules, expected) => {
    const file =
      text.startsWith('version: 3') || _.startsWith('atlantis.yaml') ? 'atlantis.yaml' : 'sluice.yaml';
    expect(issues(text, rules, file)).toEqual(expected);
  });

  it('accepts restricted keys the server allows, and custom workflows', () => {
    const result = parseRepoConfig(
      `${P}  - dir: a\n    apply_requirements: [approved, mergeable]\n    plan_requirements: [approved]\n    workflow: mine\n    type: dbt\n    depends_on: [b]\n    execution_order_group: 2\n  - dir: b\nlock_mode: apply\nparallel_plan: false\nparallel_apply: true\nautomerge: true\nworkflows:\n  mine:\n    plan:\n      steps:\n        - env: {name: STAGE, value: prod}\n        - env: {name: REV, command: [git, rev-parse, HEAD]}\n        - init:\n            extra_args: [-upgrade]\n        - run: [make, lint]\n        - plan\n`,
      'sluice.yaml',
      { rules: LOOSE },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({
      lockMode: 'apply',
      parallelPlan: false,
      parallelApply: true,
      automerge: true,
      workflows: {
        mine: {
          plan: [
            { kind: 'env', name: 'STAGE', value: 'prod' },
            { kind: 'env', name: 'REV', argv: ['git', 'rev-parse', 'HEAD'] },
            { kind: 'init', extraArgs: ['-upgrade'] },
            { kind: 'run', argv: ['make', 'lint'] },
            { kind: 'plan', extraArgs: [] },
          ],
          apply: [{ kind: 'apply', extraArgs: [] }],
        },
      },
    });
    expect(result.config.projects?.[0]).toMatchObject({
      type: 'dbt',
      applyRequirements: ['approved', 'mergeable'],
      planRequirements: ['approved'],
      workflow: 'mine',
      dependsOn: ['b'],
      executionOrderGroup: 2,
      autoplan: { enabled: true, whenModified: ['**/*.sql', '**/*.yml', '**/*.yaml', '**/*.csv', '**/*.py'] },
    });
  });

  it('reads atlantis.yaml with the same meaning', () => {
    const result = parseAtlantisConfig(
      `version: 3\nautomerge: true\nparallel_plan: true\nrepo_locks:\n  mode: on_apply\nprojects:\n  - name: net\n    dir: ./network/\n    workspace: prod\n    execution_order_group: 1\n  - dir: app\n    depends_on: [net]\n    workflow: tg\n    autoplan:\n      enabled: false\n      when_modified: ['*.hcl']\nworkflows:\n  tg:\n    plan:\n      steps:\n        - env: {name: X, command: 'echo hi'}\n        - init\n        - run: terragrunt plan -out=$PLANFILE\n        - plan:\n            extra_args: [-lock=false]\n    apply:\n      steps:\n        - run: {command: 'echo done', shell: bash, shell_args: [-eu, -c]}\n        - apply\n`,
      'atlantis.yaml',
      { rules: LOOSE },
    );
    expect(result).toEqual({
      ok: true,
      warnings: [],
      config: {
        version: 1,
        automerge: true,
        parallelPlan: true,
        lockMode: 'apply',
        projects: [
          {
            name: 'net',
            dir: 'network',
            workspace: 'prod',
            type: 'terraform',
            autoplan: { enabled: true, whenModified: ['**/*.tf*', '**/*.tofu', '**/.terraform.lock.hcl'] },
            dependsOn: [],
            executionOrderGroup: 1,
          },
          {
            name: 'app',
            dir: 'app',
            workspace: 'default',
            type: 'terraform',
            autoplan: { enabled: false, whenModified: ['*.hcl'] },
            dependsOn: ['net'],
            executionOrderGroup: 0,
            workflow: 'tg',
          },
        ],
        workflows: {
          tg: {
            plan: [
              { kind: 'env', name: 'X', argv: ['sh', '-c', 'echo hi'] },
              { kind: 'init', extraArgs: [] },
              { kind: 'run', argv: ['sh', '-c', 'terragrunt plan -out=$PLANFILE'] },
              { kind: 'plan', extraArgs: ['-lock=false'] },
            ],
            apply: [
              { kind: 'run', argv: ['bash', '-eu', '-c', 'echo done'] },
              { kind: 'apply', extraArgs: [] },
            ],
          },
        },
      },
    });
  });

  it("maps Atlantis terraform_version and terraform_distribution onto a project's tool", () => {
    const result = parseAtlantisConfig(
      `${A}  - dir: a\n    terraform_version: v1.5.7\n    terraform_distribution: terraform\n  - dir: b\n    terraform_version: ">= 1.11, < 1.12"\n  - dir: c\n    terraform_distribution: opentofu\n  - dir: d\n`,
      'atlantis.yaml',
    );
    expect(result.ok && result.warnings).toEqual([]);
    expect(result.ok && result.config.projects?.map((p) => [p.dir, p.tool])).toEqual([
      ['a', { distribution: 'terraform', version: 'v1.5.7' }],
      ['b', { version: '>= 1.11, < 1.12' }],
      ['c', { distribution: 'opentofu' }],
      ['d', undefined],
    ]);
  });

  it('an atlantis.yaml without projects (or with an empty list) lets Sluice find them', () => {
    for (const text of ['version: 3\n', 'version: 3\nprojects: []\n']) {
      const result = parseAtlantisConfig(text, 'atlantis.yaml');
      expect(result.ok && result.config.projects).toBeUndefined();
    }
  });
});
