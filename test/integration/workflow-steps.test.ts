import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAtlantisConfig } from '../../src/config/atlantis-config.js';
import type { SandboxRules } from '../../src/config/rules.js';
import type { Step } from '../../src/config/workflow.js';
import type { Project } from '../../src/projects/types.js';
import { createMasker } from '../../src/runner/mask.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';
import { applyProject } from '../../src/runner/terraform/apply-project.js';
import { type PlanProjectOptions, planProject } from '../../src/runner/terraform/plan-project.js';
import type { RunFacts } from '../../src/runner/terraform/run-stage.js';
import { findTerraformTool, type ToolInfo } from '../../src/runner/tools.js';

const SERVER_SECRET = 'SERVER-SECRET-VALUE-7731';
const HIDDEN_SECRET = 'HIDDEN-FILE-SECRET-4410';
const PLAN_CREDENTIAL = 'plan-credential-value-0001';
const APPLY_CREDENTIAL = 'apply-credential-value-0002';

const project = (dir: string, workspace = 'default'): Project => ({
  name: dir,
  dir,
  workspace,
  type: 'terraform',
  reason: 'changed',
});
const run = (...argv: string[]): Step => ({ kind: 'run', argv });
const sh = (script: string): Step => run('sh', '-c', script);
const builtin = (kind: 'init' | 'plan' | 'show' | 'apply', ...extraArgs: string[]): Step => ({
  kind,
  extraArgs,
});

const facts: RunFacts = {
  prNumber: 42,
  headSha: 'c'.repeat(40),
  baseBranch: 'main',
  headBranch: 'feature/x',
  user: 'alice',
  commentArgs: ['-var', 'a=b'],
};

describe('workflow steps with real OpenTofu in bubblewrap', () => {
  let root: string;
  let checkout: string;
  let hiddenDir: string;
  let tool: ToolInfo;
  let sandbox: Sandbox;
  /** The server's environment: what `plan_env` / `apply_env` read from. */
  const serverEnv = {
    PLAN_REGION: 'eu-west-1',
    PLAN_SECRET_TOKEN: PLAN_CREDENTIAL,
    APPLY_SECRET_TOKEN: APPLY_CREDENTIAL,
    TF_VAR_greeting: 'hello-from-plan-env',
  };
  const rules: SandboxRules = {
    planEnv: ['PLAN_REGION', 'PLAN_SECRET_TOKEN', 'TF_VAR_greeting'],
    applyEnv: ['APPLY_SECRET_TOKEN', 'TF_VAR_greeting'],
  };
  const masker = createMasker([SERVER_SECRET]);
  let counter = 0;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-workflow-'));
    checkout = join(root, 'checkout');
    hiddenDir = await mkdtemp(join(tmpdir(), 'sluice-hidden-'));
    await writeFile(join(hiddenDir, 'key.pem'), `${HIDDEN_SECRET}\n`);
    tool = await findTerraformTool();
    // Network on by default, as SLUICE_SANDBOX_NETWORK=on; a repository's rules may turn it off.
    sandbox = await createSandbox({ mode: 'bwrap', network: true, readOnlyPaths: [], hide: [hiddenDir] });
    const main = `variable "greeting" {\n  type    = string\n  default = "default-greeting"\n}\nvariable "stage" {\n  type    = string\n  default = "none"\n}\nresource "terraform_data" "a" {\n  input = "\${var.greeting}/\${var.stage}"\n}\noutput "said" {\n  value = terraform_data.a.output\n}\n`;
    for (const dir of ['app', 'app2', 'env', 'ws', 'atlantis']) {
      await mkdir(join(checkout, dir), { recursive: true });
      await writeFile(join(checkout, dir, 'main.tf'), main);
    }
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
    await rm(hiddenDir, { recursive: true, force: true });
  });

  const options = (p: Project, extra: Partial<PlanProjectOptions> = {}) => ({
    project: p,
    checkoutDir: checkout,
    artifactDir: join(root, 'artifacts', String(counter++)),
    tool,
    sandbox,
    providerCacheDir: join(root, 'plugin-cache'),
    timeoutMs: 60_000,
    signal: new AbortController().signal,
    masker,
    sandboxRules: rules,
    serverEnv,
    facts,
    ...extra,
  });

  it('runs a `run` step in the sandbox: no server secrets, its output in the result, masked', async () => {
    process.env.SLUICE_TEST_SERVER_ONLY = SERVER_SECRET;
    try {
      const { result } = await planProject(
        options(project('app'), {
          steps: [
            builtin('init'),
            sh(
              `echo "env:"; env | sort; echo "file:"; cat ${join(hiddenDir, 'key.pem')} 2>&1 || echo unreadable; echo "token=${SERVER_SECRET}"; printf 'args=[%s]\\n' "$SLUICE_COMMENT_ARGS"`,
            ),
            builtin('plan'),
            builtin('show'),
          ],
        }),
      );
      expect(result.status).toBe('planned');
      const output = result.stepOutput ?? '';
      expect(output).toContain(`$ sh -c 'echo "env:"`);
      // Not the server process's environment, not the hidden file.
      expect(output).not.toContain('SLUICE_TEST_SERVER_ONLY');
      expect(output).not.toContain(HIDDEN_SECRET);
      expect(output).toContain('unreadable');
      // A secret printed anyway is masked.
      expect(output).toContain('token=***');
      expect(JSON.stringify(result)).not.toContain(SERVER_SECRET);
      // The documented variables.
      expect(output).toContain(`SLUICE_PROJECT_DIR=${join(checkout, 'app')}`);
      expect(output).toContain('SLUICE_PROJECT_NAME=app');
      expect(output).toContain('SLUICE_WORKSPACE=default');
      expect(output).toContain('SLUICE_PR_NUMBER=42');
      expect(output).toContain(`SLUICE_HEAD_SHA=${'c'.repeat(40)}`);
      expect(output).toContain('SLUICE_HEAD_BRANCH=feature/x');
      expect(output).toContain('SLUICE_USER=alice');
      expect(output).toContain('args=[-var\na=b]');
      expect(output).toMatch(/SLUICE_PLAN_FILE=\/.*\/plan\.tfplan/);
      expect(output).toContain('PATH=');
    } finally {
      delete process.env.SLUICE_TEST_SERVER_ONLY;
    }
  });

  it('gives plan steps `plan_env` and never `apply_env`; apply steps the reverse', async () => {
    const printEnv = sh('env | grep -E "^(PLAN_|APPLY_|TF_VAR_)" | sort');
    const planned = await planProject(
      options(project('app2'), { steps: [builtin('init'), printEnv, builtin('plan'), builtin('show')] }),
    );
    expect(planned.result.status).toBe('planned');
    const planOutput = planned.result.stepOutput ?? '';
    // Every passed variable's value is masked in output, whatever its name (docs/masking.md).
    expect(planOutput).toContain('PLAN_REGION=***');
    expect(planOutput).toContain('PLAN_SECRET_TOKEN=***');
    expect(planOutput).not.toContain('APPLY_SECRET_TOKEN');
    expect(JSON.stringify(planned)).not.toContain(APPLY_CREDENTIAL);
    // Built-in steps get the passed variables too (masked where the plan shows them).
    expect(planned.result.planText).toContain('"***/none"');
    expect(planned.result.planText).not.toContain('default-greeting');

    const applied = await applyProject({
      ...options(project('app2')),
      planFile: planned.planFile as Buffer,
      steps: [builtin('apply'), printEnv],
    });
    expect(applied.status).toBe('applied');
    expect(applied.output).toContain('Apply complete!');
    expect(applied.output).toContain('APPLY_SECRET_TOKEN=***');
    expect(applied.output).not.toContain('PLAN_REGION');
    expect(applied.output).not.toContain('PLAN_SECRET_TOKEN');
    expect(applied.output).not.toContain(PLAN_CREDENTIAL);
  });

  it('sets variables with `env` steps and passes workflow `extra_args`', async () => {
    const { result } = await planProject(
      options(project('env'), {
        steps: [
          { kind: 'env', name: 'TF_VAR_stage', value: 'prod' },
          { kind: 'env', name: 'FROM_COMMAND', argv: ['sh', '-c', 'echo "  computed  "'] },
          builtin('init'),
          sh('echo "from-command=[$FROM_COMMAND] stage=$TF_VAR_stage"'),
          builtin('plan', '-var', 'greeting=from-extra-args'),
        ],
      }),
    );
    expect(result.status).toBe('planned');
    expect(result.stepOutput).toContain('from-command=[computed] stage=prod');
    // Without a `show` step the plan text is the plan step's own output.
    expect(result.planText).toContain('from-extra-args/prod');
  });

  it('selects the workspace after `init` and tells `run` steps which one', async () => {
    const { result } = await planProject(
      options(project('ws', 'blue'), {
        steps: [builtin('init'), run(tool.path, 'workspace', 'show'), builtin('plan'), builtin('show')],
      }),
    );
    expect(result.status).toBe('planned');
    expect(result.stepOutput).toMatch(/workspace show\nblue/);
  });

  it('reports a failing `run` step with its (masked) output', async () => {
    const { result } = await planProject(
      options(project('app'), {
        steps: [sh(`echo "lint: ${SERVER_SECRET} is wrong" >&2; exit 3`), builtin('init'), builtin('plan')],
      }),
    );
    expect(result.status).toBe('failed');
    expect(result.error?.step).toBe('run sh');
    expect(result.error?.message).toContain('exited with code 3');
    expect(result.error?.output).toContain('lint: *** is wrong');
    expect(JSON.stringify(result)).not.toContain(SERVER_SECRET);
  });

  it('stops a step that runs longer than the repository’s step timeout', async () => {
    const { result } = await planProject(
      options(project('app'), { timeoutMs: 1_000, steps: [sh('sleep 30'), builtin('plan')] }),
    );
    expect(result.status).toBe('failed');
    expect(result.error?.message).toMatch(/ran longer than 1 s/);
    expect(result.durationMs).toBeLessThan(10_000);
  });

  it('gives `run` steps of a converted atlantis.yaml Atlantis’s variables, with the same meaning', async () => {
    const parsed = parseAtlantisConfig(
      [
        'version: 3',
        'projects:',
        '  - name: atl',
        '    dir: atlantis',
        '    workspace: staging',
        '    workflow: custom',
        'workflows:',
        '  custom:',
        '    plan:',
        '      steps:',
        '        - init',
        '        - run: echo "ws=$WORKSPACE pull=$PULL_NUM project=$PROJECT_NAME rel=$REPO_REL_DIR"',
        '        - plan',
        '        - run: test -s "$PLANFILE" && echo "planfile=$PLANFILE" && head -c 18 "$SHOWFILE" && echo',
        '        - run:',
        '            command: echo "repo=$BASE_REPO_OWNER/$BASE_REPO_NAME head=$HEAD_REPO_OWNER $HEAD_BRANCH_NAME@$HEAD_COMMIT" && echo "by=$PULL_AUTHOR via=$USER_NAME url=$PULL_URL args=$COMMENT_ARGS dir=$DIR tf=$ATLANTIS_TERRAFORM_VERSION"',
        '            shell: bash',
        '    apply:',
        '      steps:',
        '        - apply',
        '        - run: test -s "$PLANFILE" && echo "applied $PLANFILE" && head -c 18 "$SHOWFILE" && echo',
      ].join('\n'),
      'atlantis.yaml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
    const workflow = parsed.config.workflows?.custom;
    const repo = { owner: 'acme', name: 'infra' };
    const prFacts: RunFacts = {
      ...facts,
      repo,
      headRepo: repo,
      pullUrl: 'https://github.com/acme/infra/pull/42',
      pullAuthor: 'carol',
    };
    const p = { ...project('atlantis', 'staging'), name: 'atl' };
    const planned = await planProject(options(p, { steps: workflow?.plan, facts: prFacts }));
    expect(planned.result.status).toBe('planned');
    const output = planned.result.stepOutput ?? '';
    expect(output).toContain('ws=staging pull=42 project=atl rel=atlantis');
    // PLANFILE is the plan the `plan` step saved (and Sluice keeps); SHOWFILE its JSON.
    const planFile = /planfile=(\/\S+)/.exec(output)?.[1];
    expect(planFile).toMatch(/\/plan\.tfplan$/);
    expect(readFileSync(planFile as string)).toEqual(planned.planFile);
    expect(output).toContain('{"format_version"');
    expect(output).toContain(`repo=acme/infra head=acme feature/x@${'c'.repeat(40)}`);
    expect(output).toContain(
      `by=carol via=alice url=https://github.com/acme/infra/pull/42 args=\\-\\v\\a\\r,\\a\\=\\b dir=${join(checkout, 'atlantis')} tf=${tool.version}`,
    );

    const applied = await applyProject({
      ...options(p, { facts: prFacts }),
      planFile: planned.planFile as Buffer,
      planJson: planned.planJson,
      steps: workflow?.apply,
    });
    expect(applied.status).toBe('applied');
    expect(applied.output).toMatch(/applied \/\S+\/reviewed\.tfplan\n\{"format_version"/);
  });

  it('never gives a step the host network: off is loopback only, on goes through the egress proxy', async () => {
    const interfaces = (output = '') =>
      output
        .split('\n')
        .map((line) => /^\s*([\w.-]+):/.exec(line)?.[1])
        .filter(Boolean);
    const steps = [sh('cat /proc/net/dev; echo "proxy=$HTTPS_PROXY"'), builtin('init'), builtin('plan')];
    const off = await planProject(
      options(project('app'), { steps, sandboxRules: { ...rules, network: false } }),
    );
    expect(off.result.status).toBe('planned');
    expect(interfaces(off.result.stepOutput)).toEqual(['lo']);
    const on = await planProject(
      options(project('app'), { steps, sandboxRules: { ...rules, network: true } }),
    );
    // On: still the sandbox's own loopback only, the way out is Sluice's egress proxy (tofu init works offline).
    expect(on.result.status).toBe('planned');
    expect(interfaces(on.result.stepOutput)).toEqual(['lo']);
    expect(on.result.stepOutput).toContain('proxy=http://127.0.0.1:3128');
    expect(off.result.stepOutput).toMatch(/^proxy=$/m);
  });
});
