import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/env.js';
import { defaultRules, writersOnly } from '../../../src/config/rules.js';
import { repoId, resolveRules } from '../../../src/config/rules-source.js';
import { loadServerConfig, parseServerConfig, type ServerConfig } from '../../../src/config/server-config.js';
import type { RepoRef } from '../../../src/forge/types.js';

/** `file:line:column message`, one per issue, so a row reads like what an admin sees. */
function issues(text: string): string[] {
  const result = parseServerConfig(text, 'server.yaml');
  if (result.ok) return [];
  return result.issues.map((i) => `${i.file}:${i.line}:${i.column} ${i.message}`);
}

function config(text: string): ServerConfig {
  const result = parseServerConfig(text, '/etc/sluice/server.yaml');
  if (!result.ok) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.config;
}

const S = 'version: 1\nrepos:\n';
const R = `${S}  - id: x\n`;
const W = 'version: 1\nworkflows:\n  w:\n    plan:\n      steps:\n';

const invalid: Array<[string, string, string[]]> = [
  ['an empty file', '', ['server.yaml:1:1 The file is empty; it needs at least `version: 1`.']],
  ['no version', 'repos: []\n', ['server.yaml:1:1 `version` is required; add `version: 1` at the top.']],
  ['version 2', 'version: 2\n', ['server.yaml:1:10 `version` must be the number 1, not the number 2.']],
  [
    'a misspelt top-level key',
    'version: 1\nrepo: []\n',
    ['server.yaml:2:1 Unknown key `repo` at the top level. Did you mean `repos`?'],
  ],
  [
    'an unknown top-level key',
    'version: 1\nteams: []\n',
    ['server.yaml:2:1 Unknown key `teams` at the top level. Allowed: `version`, `repos`, `workflows`.'],
  ],
  ['repos as a map', `${S}  id: x\n`, ['server.yaml:3:3 `repos` must be a list of repo rules, not a map.']],
  [
    'a rule without id',
    `${S}  - allowed: true\n`,
    [
      'server.yaml:3:5 This rule matches no repository: add `id` (e.g. `github.com/acme/infra`) or `id_regex` (e.g. `github\\.com/acme/.*`).',
    ],
  ],
  [
    'both id and id_regex',
    `${S}  - id: a/b\n    id_regex: .*\n`,
    ['server.yaml:3:5 Give either `id` or `id_regex`, not both.'],
  ],
  [
    'a broken id_regex',
    `${S}  - id_regex: "("\n`,
    ['server.yaml:3:15 `id_regex` `(` is not a valid regular expression: unterminated group.'],
  ],
  [
    'a broken Atlantis-style /regex/ id',
    `${S}  - id: "/(/"\n`,
    ['server.yaml:3:9 `/(/` is not a valid regular expression: unterminated group.'],
  ],
  [
    'a misspelt key in a rule',
    `${R}    apply_mod: comment\n`,
    ['server.yaml:4:5 Unknown key `apply_mod` in a repo rule. Did you mean `apply_mode`?'],
  ],
  [
    'an apply mode with a typo',
    `${R}    apply_mode: merged\n`,
    [
      'server.yaml:4:17 `repos[0].apply_mode` must be one of `merge`, `comment`, not the text "merged". Did you mean `merge`?',
    ],
  ],
  [
    'an unknown requirement',
    `${R}    apply_requirements: [approved, reviewed]\n`,
    [
      'server.yaml:4:36 `repos[0].apply_requirements[1]` must be one of `approved`, `mergeable`, `undiverged`, not the text "reviewed".',
    ],
  ],
  [
    'requirements as text',
    `${R}    plan_requirements: approved\n`,
    [
      'server.yaml:4:24 `repos[0].plan_requirements` must be a list of `approved`, `mergeable`, `undiverged`, not the text "approved".',
    ],
  ],
  [
    "Atlantis's lock mode words",
    `${R}    lock_mode: on_plan\n`,
    ['server.yaml:4:16 `repos[0].lock_mode` must be one of `plan`, `apply`, `off`, not the text "on_plan".'],
  ],
  [
    'a quoted boolean',
    `${R}    allowed: "yes"\n`,
    ['server.yaml:4:14 `repos[0].allowed` must be `true` or `false`, not the text "yes".'],
  ],
  [
    'an unknown command',
    `${R}    allowed_commands: [plan, destroy]\n`,
    [
      'server.yaml:4:30 `repos[0].allowed_commands[1]` must be one of `plan`, `apply`, `unlock`, `rollback`, `help`, `version`, not the text "destroy".',
    ],
  ],
  [
    'an override that is not a key',
    `${R}    allowed_overrides: [workflows]\n`,
    [
      'server.yaml:4:25 `repos[0].allowed_overrides[0]` must be one of `apply_requirements`, `plan_requirements`, `workflow`, `lock_mode`, not the text "workflows". Did you mean `workflow`?',
    ],
  ],
  [
    'a misspelt command in permissions',
    `${R}    permissions:\n      aply: {teams: [sre]}\n`,
    ['server.yaml:5:7 Unknown key `aply` in `permissions`. Did you mean `apply`?'],
  ],
  [
    'team instead of teams',
    `${R}    permissions:\n      apply: {team: [sre]}\n`,
    ['server.yaml:5:15 Unknown key `team` in a permission. Did you mean `teams`?'],
  ],
  [
    'a team name with a space',
    `${R}    permissions:\n      apply: {teams: ["sre team"]}\n`,
    [
      "server.yaml:5:23 `sre team` is not a team name: write `team` (a team of the repo's owner) or `org/team`.",
    ],
  ],
  [
    "GitHub's maintain role",
    `${R}    permissions:\n      apply: {role: maintain}\n`,
    [
      'server.yaml:5:21 `repos[0].permissions.apply.role` must be one of `read`, `write`, `admin`, not the text "maintain".',
    ],
  ],
  [
    'permissions as a list',
    `${R}    permissions: [apply]\n`,
    [
      'server.yaml:4:18 `repos[0].permissions` must be a map with `plan`, `apply`, `unlock` and/or `projects`, not a list.',
    ],
  ],
  [
    'a project permission that sets nothing',
    `${R}    permissions:\n      projects:\n        - match: prod/**\n`,
    ['server.yaml:6:11 The entry for `prod/**` sets nothing; add `plan`, `apply` and/or `unlock`.'],
  ],
  [
    'a project permission without match',
    `${R}    permissions:\n      projects:\n        - apply: {teams: [sre]}\n`,
    ['server.yaml:6:11 This entry has no `match`; set it to a glob on the project dir, e.g. `prod/**`.'],
  ],
  [
    'an environment variable name starting with a digit',
    `${R}    sandbox:\n      plan_env: [AWS_PROFILE, 1BAD]\n`,
    [
      'server.yaml:5:31 `1BAD` is not an environment variable name: use letters, digits and `_`, not starting with a digit.',
    ],
  ],
  [
    "one of Sluice's own variables",
    `${R}    sandbox:\n      apply_env: [PATH]\n`,
    ['server.yaml:5:19 `PATH` is set by Sluice itself and cannot be configured.'],
  ],
  [
    'an allowed host written as a URL',
    `${R}    sandbox:\n      allowed_hosts: [https://git.example.com/]\n`,
    [
      'server.yaml:5:23 `repos[0].sandbox.allowed_hosts[0]` must be a host name (`host`, `host:port` or `*.domain`), not the text "https://git.example.com/".',
    ],
  ],
  [
    'network: off is text in YAML 1.2',
    `${R}    sandbox:\n      network: off\n`,
    ['server.yaml:5:16 `repos[0].sandbox.network` must be `true` or `false`, not the text "off".'],
  ],
  [
    'a zero timeout',
    `${R}    step_timeout_seconds: 0\n`,
    ['server.yaml:4:27 `repos[0].step_timeout_seconds` must be at least 1, not the number 0.'],
  ],
  [
    'a fractional timeout',
    `${R}    step_timeout_seconds: 1.5\n`,
    ['server.yaml:4:27 `repos[0].step_timeout_seconds` must be a whole number, not the number 1.5.'],
  ],
  [
    'a default workflow that is not defined',
    `${R}    workflow: terragrunt\n`,
    ['server.yaml:4:15 Workflow `terragrunt` is not defined in `workflows`. Defined: `default`.'],
  ],
  [
    'an allowed workflow that is not defined',
    `${R}    allowed_workflows: [default, tg]\nworkflows:\n  tgg:\n    plan:\n      steps: [init, plan]\n`,
    ['server.yaml:4:34 Workflow `tg` is not defined in `workflows`. Defined: `default`, `tgg`.'],
  ],
  [
    'drafts: ignore',
    `${R}    drafts: ignore\n`,
    ['server.yaml:4:13 `repos[0].drafts` must be one of `plan`, `skip`, not the text "ignore".'],
  ],
  [
    'a plan stage without plan',
    'version: 1\nworkflows:\n  w:\n    plan:\n      steps: [init]\n',
    [
      'server.yaml:5:14 The `plan` stage needs exactly one `plan` step (it has 0): Sluice saves that plan for review.',
    ],
  ],
  [
    'apply inside a plan stage',
    'version: 1\nworkflows:\n  w:\n    plan:\n      steps: [init, plan, apply]\n',
    ['server.yaml:5:27 A `plan` stage cannot run `apply`.'],
  ],
  [
    'a misspelt step key',
    `${W}        - runn: [make]\n        - plan\n`,
    ['server.yaml:6:11 Unknown key `runn` in a step. Did you mean `run`?'],
  ],
  [
    'a run step written as a shell line',
    `${W}        - run: make lint\n        - plan\n`,
    [
      'server.yaml:6:16 `workflows.w.plan.steps[0].run` must be a command as a list of words, e.g. `[make, lint]`, not the text "make lint".',
    ],
  ],
  [
    'a misspelt built-in step',
    `${W}        - plna\n        - plan\n`,
    [
      'server.yaml:6:11 `workflows.w.plan.steps[0]` must be `init`, `plan`, `show`, `apply`, or a map with one of `run`, `env`, `init`, `plan`, `show`, `apply`, not the text "plna". Did you mean `plan`?',
    ],
  ],
  [
    'an extra argument that moves the plan file',
    `${W}        - plan:\n            extra_args: [-out=x]\n`,
    [
      'server.yaml:7:26 `-out=x` is not allowed: Sluice saves the plan file itself, so that apply uses exactly the plan that was reviewed.',
    ],
  ],
  [
    'extra-args with a dash (no second "required" message)',
    `${W}        - plan:\n            extra-args: [-x]\n`,
    ['server.yaml:7:13 Unknown key `extra-args` in the `plan` step. Did you mean `extra_args`?'],
  ],
  [
    'an env step without value',
    `${W}        - env: {name: X}\n        - plan\n`,
    [
      'server.yaml:6:16 An `env` step needs exactly one of `value` (the text) or `command` (whose output is the value).',
    ],
  ],
  [
    'steps misspelt (no second "required" message)',
    'version: 1\nworkflows:\n  w:\n    plan:\n      stepz: []\n',
    ['server.yaml:5:7 Unknown key `stepz` in `plan`. Did you mean `steps`?'],
  ],
  [
    'several problems, in file order',
    `${S}  - id: x\n    allowed: 1\n  - id_regex: ok\n    lock_mode: never\n`,
    [
      'server.yaml:4:14 `repos[0].allowed` must be `true` or `false`, not the number 1.',
      'server.yaml:6:16 `repos[1].lock_mode` must be one of `plan`, `apply`, `off`, not the text "never".',
    ],
  ],
];

describe('parseServerConfig', () => {
  it.each(invalid)('rejects %s with the place to fix', (_, text, expected) => {
    expect(issues(text)).toEqual(expected);
  });

  it.each([
    ['only a version', 'version: 1\n'],
    ['an exact id', `${S}  - id: github.com/acme/infra\n    allowed: true\n`],
    ['an Atlantis /regex/ id', `${S}  - id: /.*/\n    allowed: true\n`],
    [
      'every key',
      `${S}  - id_regex: .*\n    allowed: true\n    apply_mode: comment\n    apply_requirements: []\n    plan_requirements: [approved]\n    lock_mode: apply\n    automerge: true\n    atlantis_alias: false\n    allowed_commands: [plan, help]\n    permissions:\n      plan: {role: read}\n      apply: {users: [alice], teams: [acme/sre], role: admin}\n      unlock: {}\n      projects:\n        - match: 'prod/**'\n          apply: {teams: [sre]}\n    allowed_overrides: [apply_requirements, plan_requirements, workflow, lock_mode]\n    allowed_workflows: [default]\n    allow_custom_workflows: false\n    workflow: default\n    sandbox:\n      network: false\n      plan_env: [AWS_REGION]\n      apply_env: [AWS_REGION, AWS_ROLE_ARN]\n    step_timeout_seconds: 600\n    templates_dir: ./templates\n    autoplan: false\n    drafts: skip\n    forks: skip\n    interrupted_apply: wait\n`,
    ],
  ])('accepts %s', (_, text) => {
    expect(issues(text)).toEqual([]);
  });

  it('turns rules into patches: seconds to ms, templates next to the file, who-sets with their role', () => {
    const parsed = config(
      `${S}  - id: github.com/acme/infra\n    step_timeout_seconds: 60\n    templates_dir: tpl\n    permissions:\n      apply: {teams: [sre]}\n      plan: {}\n      unlock: {users: [root], role: admin}\n`,
    );
    expect(parsed.repos[0]?.set).toEqual({
      stepTimeoutMs: 60_000,
      templatesDir: '/etc/sluice/tpl',
      permissions: {
        apply: { users: [], teams: ['sre'] },
        plan: { users: [], teams: [], minRole: 'write' },
        unlock: { users: ['root'], teams: [], minRole: 'admin' },
      },
    });
  });

  it('sets what an interrupted apply does, and refuses other values', () => {
    expect(config(`${S}  - id: github.com/acme/infra\n    interrupted_apply: wait\n`).repos[0]?.set).toEqual({
      interruptedApply: 'wait',
    });
    expect(issues(`${S}  - id: github.com/acme/infra\n    interrupted_apply: sometimes\n`)).not.toEqual([]);
  });

  it('matches exact ids without case, regexes against the whole id', () => {
    const parsed = config(
      `${S}  - id: GitHub.com/Acme/Infra\n  - id_regex: 'github\\.com/acme/.*'\n  - id: /infra/\n`,
    );
    const [exact, regex, atlantis] = parsed.repos;
    expect(exact?.matches('github.com/acme/infra')).toBe(true);
    expect(exact?.matches('github.com/acme/infra-old')).toBe(false);
    expect(regex?.matches('github.com/ACME/anything')).toBe(true);
    expect(regex?.matches('ghe.example.com/github.com/acme/x')).toBe(false);
    expect(atlantis?.matches('github.com/acme/infra')).toBe(false);
    expect(atlantis?.matches('infra')).toBe(true);
  });
});

describe('resolveRules', () => {
  const base = defaultRules('merge');
  const id = 'github.com/acme/infra';
  const resolve = (text: string, repo = id) => resolveRules(base, config(text), repo).rules;

  it('without a server config: the environment defaults, allowed', () => {
    expect(resolveRules(base, undefined, id).rules).toBe(base);
  });

  it.each([
    ['no rule matches', `${S}  - id: github.com/acme/other\n    allowed: true\n`, false],
    ['a matching rule without `allowed`', `${S}  - id: ${id}\n    apply_mode: comment\n`, false],
    ['a matching rule allows it', `${S}  - id: ${id}\n    allowed: true\n`, true],
    [
      'a later rule takes it back',
      `${S}  - id_regex: .*\n    allowed: true\n  - id: ${id}\n    allowed: false\n`,
      false,
    ],
    [
      'a later rule without `allowed` keeps it',
      `${S}  - id_regex: .*\n    allowed: true\n  - id: ${id}\n    automerge: true\n`,
      true,
    ],
  ])('allowlist: %s', (_, text, allowed) => {
    expect(resolve(text).allowed).toBe(allowed);
  });

  it('applies matching rules in order, key by key', () => {
    const rules = resolve(
      `${S}  - id_regex: .*\n    allowed: true\n    lock_mode: apply\n    automerge: true\n  - id: ${id}\n    lock_mode: off\n  - id: github.com/acme/other\n    automerge: false\n`,
    );
    expect(rules).toMatchObject({ allowed: true, lockMode: 'off', automerge: true, applyMode: 'merge' });
  });

  it('switching to comment mode brings its default requirements, unless requirements were chosen', () => {
    expect(resolve(`${S}  - id: ${id}\n    apply_mode: comment\n`).applyRequirements).toEqual([
      'approved',
      'mergeable',
      'undiverged',
    ]);
    expect(
      resolve(
        `${S}  - id_regex: .*\n    apply_requirements: [approved]\n  - id: ${id}\n    apply_mode: comment\n`,
      ).applyRequirements,
    ).toEqual(['approved']);
  });

  it('merges permissions and sandbox one level deep; a later projects list replaces the earlier', () => {
    const rules = resolve(
      `${S}  - id_regex: .*\n    permissions:\n      plan: {role: read}\n      projects:\n        - match: a/**\n          apply: {teams: [a]}\n    sandbox:\n      plan_env: [A]\n  - id: ${id}\n    permissions:\n      apply: {teams: [sre]}\n      projects:\n        - match: b/**\n          apply: {teams: [b]}\n    sandbox:\n      apply_env: [B]\n`,
    );
    expect(rules.permissions).toEqual({
      plan: { users: [], teams: [], minRole: 'read' },
      apply: { users: [], teams: ['sre'] },
      unlock: writersOnly(),
      projects: [{ match: 'b/**', apply: { users: [], teams: ['b'] } }],
    });
    expect(rules.sandbox).toEqual({ planEnv: ['A'], applyEnv: ['B'] });
  });

  it('reads the hosts a repository may reach through the egress proxy', () => {
    const rules = resolve(
      `${S}  - id: ${id}\n    sandbox:\n      network: true\n      allowed_hosts: [git.example.com:8443, '*.corp.example.com']\n`,
    );
    expect(rules.sandbox).toMatchObject({
      network: true,
      allowedHosts: ['git.example.com:8443', '*.corp.example.com'],
    });
  });

  it('carries the server workflows', () => {
    const rules = resolve(
      'version: 1\nworkflows:\n  tg:\n    plan:\n      steps:\n        - run: [terragrunt, plan]\n        - plan\n',
    );
    expect(rules.workflows.tg?.plan).toEqual([
      { kind: 'run', argv: ['terragrunt', 'plan'] },
      { kind: 'plan', extraArgs: [] },
    ]);
    expect(rules.workflows.tg?.apply).toEqual([{ kind: 'apply', extraArgs: [] }]);
  });

  it('ids are host/full name, as Atlantis writes them', () => {
    const repo: RepoRef = { forge: 'gitlab', id: '7', owner: 'g', name: 'p', fullName: 'g/sub/p' };
    expect(repoId(repo, (forge) => (forge === 'gitlab' ? 'gitlab.example.com' : 'github.com'))).toBe(
      'gitlab.example.com/g/sub/p',
    );
  });
});

describe('loading the server config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-server-config-'));

  it('stops with every issue as file:line:column: message', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, `${S}  - id: x\n    alowed: true\n`);
    expect(() => loadServerConfig(file)).toThrow(
      `the server config ${file} is invalid:\n  ${file}:4:5: Unknown key \`alowed\` in a repo rule. Did you mean \`allowed\`?`,
    );
    expect(() => loadServerConfig(join(dir, 'missing.yaml'))).toThrow(/cannot be read/);
  });

  it('SLUICE_CONFIG makes loadSettings build rules per repository, with the forge host in the id', () => {
    const file = join(dir, 'ok.yaml');
    writeFileSync(file, `${S}  - id: ghe.corp/acme/infra\n    allowed: true\n    apply_mode: comment\n`);
    const settings = loadSettings({ SLUICE_CONFIG: file, GHE_HOST: 'ghe.corp:8443' });
    const repo = (fullName: string): RepoRef => ({
      forge: 'github',
      id: '1',
      owner: 'acme',
      name: fullName.split('/')[1] as string,
      fullName,
    });
    expect(settings.rules(repo('acme/infra'))).toMatchObject({ allowed: true, applyMode: 'comment' });
    expect(settings.rules(repo('acme/other')).allowed).toBe(false);
    expect(settings.rules.explain(repo('acme/other'))).toMatchObject({
      id: 'ghe.corp/acme/other',
      matched: [],
    });
    expect(loadSettings({}).rules(repo('acme/other'))).toEqual(loadSettings({}).defaultRules);
  });
});
