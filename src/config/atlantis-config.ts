import { z } from 'zod';
import { defaultProjectName } from '../projects/naming.js';
import { normalizeRepoPath, resolveFrom } from '../projects/paths.js';
import { said } from './config-text.js';
import { checkOverrides, type OverridePaths } from './overrides.js';
import {
  DependsOnField,
  dirField,
  RequirementsSchema,
  ToolDistributionField,
  ToolVersionField,
  WorkspaceField,
} from './project-fields.js';
import {
  checkProjects,
  DEFAULT_WHEN_MODIFIED,
  type ParseRepoConfigOptions,
  type ProjectConfig,
  type RepoConfig,
  type RepoConfigResult,
} from './repo-config.js';
import type { LockMode } from './rules.js';
import {
  type BuiltinStep,
  checkStageKinds,
  EnvNameSchema,
  type Step,
  stepKind,
  type Workflow,
} from './workflow.js';
import { type ConfigIssue, type Locate, parseYamlConfig } from './yaml-config.js';
import type { ConfigPath } from './yaml-positions.js';

/**
 * Reading an Atlantis `atlantis.yaml` (version 3) with the same meaning in Sluice. Keys Sluice has no
 * equivalent for are accepted and reported as warnings (nothing they ask for happens); step types Sluice
 * cannot run are errors, because dropping a step would change what a workflow does. docs/atlantis.md
 * lists the mapping.
 */
export const ATLANTIS_CONFIG_FILE = 'atlantis.yaml';

/** Atlantis's run steps are shell lines; Sluice runs them with `sh -c` inside the same sandbox. */
export const SHELL = ['sh', '-c'] as const;

const Unsupported = z.unknown();

const ExtraArgs = said(z.strictObject({ extra_args: z.array(z.string()) }), {
  expected: 'a map with `extra_args`',
  where: 'in a built-in step',
});

const RunStep = z.union([
  z.string().min(1),
  said(
    z.strictObject({
      command: z.string().min(1),
      output: Unsupported.optional(),
      regex_filter: Unsupported.optional(),
      shell: z.string().min(1).optional(),
      shell_args: z.union([z.string(), z.array(z.string())]).optional(),
    }),
    { expected: 'a map with `command`', where: 'in a `run` step' },
  ),
]);

const AtlantisStepSchema = said(
  z.union([
    z.enum(['init', 'plan', 'show', 'apply', 'policy_check', 'import', 'state_rm', 'version']),
    z.strictObject({ run: RunStep }),
    z.strictObject({
      env: said(
        z
          .strictObject({ name: EnvNameSchema, value: z.string().optional(), command: z.string().optional() })
          .superRefine((env, ctx) => {
            if ((env.value === undefined) === (env.command === undefined))
              ctx.addIssue({
                code: 'custom',
                message: 'An `env` step needs exactly one of `value` or `command`.',
              });
          }),
        { expected: 'a map with `name` and `value` or `command`', where: 'in an `env` step' },
      ),
    }),
    z.strictObject({ multienv: Unsupported }),
    z.strictObject({ init: ExtraArgs }),
    z.strictObject({ plan: ExtraArgs }),
    z.strictObject({ show: ExtraArgs }),
    z.strictObject({ apply: ExtraArgs }),
    z.strictObject({ import: ExtraArgs }),
    z.strictObject({ state_rm: ExtraArgs }),
  ]),
  {
    expected:
      'an Atlantis step: `init`, `plan`, `apply`, `show`, or a map with `run`, `env`, or a built-in step',
    where: 'in a step',
  },
);

type RawStep = z.output<typeof AtlantisStepSchema>;

const StageSchema = said(z.strictObject({ steps: z.array(AtlantisStepSchema).optional() }), {
  expected: 'a map with `steps`',
  where: 'in a stage',
});

const WorkflowSchema = said(
  z
    .strictObject({
      plan: StageSchema.optional(),
      apply: StageSchema.optional(),
      policy_check: Unsupported.optional(),
      import: Unsupported.optional(),
      state_rm: Unsupported.optional(),
    })
    .superRefine((workflow, ctx) => {
      for (const [stage, other] of [
        ['plan', 'apply'],
        ['apply', 'plan'],
      ] as const) {
        const steps = workflow[stage]?.steps;
        if (!steps) continue;
        for (const [index, step] of steps.entries()) {
          const kind = stepKind(step);
          if (!RUNNABLE.has(kind))
            ctx.addIssue({
              code: 'custom',
              path: [stage, 'steps', index],
              message: `Sluice cannot run the Atlantis step \`${kind}\`; remove it or replace it with a \`run\` step.`,
            });
        }
        checkStageKinds(steps.map(stepKind), stage, other, ctx);
      }
    }),
  { expected: 'a map with `plan` and/or `apply`', where: 'in a workflow' },
);

const RUNNABLE = new Set(['init', 'plan', 'show', 'apply', 'run', 'env']);

const ProjectSchema = said(
  z
    .strictObject({
      name: z.string().min(1).optional(),
      branch: Unsupported.optional(),
      dir: dirField({ refusePatterns: true }),
      workspace: WorkspaceField.optional(),
      execution_order_group: z.number().int().optional(),
      depends_on: DependsOnField.optional(),
      autoplan: said(
        z.strictObject({
          enabled: z.boolean().optional(),
          when_modified: said(z.array(z.string().min(1)), { expected: 'a list of glob patterns' }).optional(),
        }),
        { expected: 'a map with `enabled` and/or `when_modified`', where: 'in `autoplan`' },
      ).optional(),
      workflow: z.string().min(1).optional(),
      apply_requirements: RequirementsSchema.optional(),
      plan_requirements: RequirementsSchema.optional(),
      import_requirements: Unsupported.optional(),
      terraform_version: ToolVersionField.optional(),
      terraform_distribution: ToolDistributionField.optional(),
      delete_source_branch_on_merge: Unsupported.optional(),
      repo_locking: Unsupported.optional(),
      repo_locks: Unsupported.optional(),
      policy_check: Unsupported.optional(),
      custom_policy_check: Unsupported.optional(),
      silence_pr_comments: Unsupported.optional(),
    })
    .superRefine((project, ctx) => {
      const dir = normalizeRepoPath(project.dir);
      if (dir === undefined) return;
      for (const [index, pattern] of (project.autoplan?.when_modified ?? []).entries()) {
        const bare = pattern.startsWith('!') ? pattern.slice(1) : pattern;
        if (resolveFrom(dir, bare) === undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['autoplan', 'when_modified', index],
            message: `Pattern \`${pattern}\` points outside the repo; patterns are relative to the project dir \`${dir}\`.`,
          });
      }
    }),
  { expected: 'a map with at least `dir`', where: 'in a project' },
);

export const AtlantisConfigSchema = said(
  z
    .strictObject({
      version: said(z.literal(3), {
        expected: 'the number 3',
        missing: '`version` is required; Sluice reads `atlantis.yaml` version 3.',
      }),
      projects: said(z.array(ProjectSchema), { expected: 'a list of projects' }).optional(),
      workflows: said(z.record(z.string().min(1), WorkflowSchema), {
        expected: 'a map of workflows by name',
      }).optional(),
      automerge: z.boolean().optional(),
      parallel_plan: z.boolean().optional(),
      parallel_apply: z.boolean().optional(),
      repo_locks: said(z.strictObject({ mode: z.enum(['disabled', 'on_plan', 'on_apply']) }), {
        expected: 'a map with `mode`',
        where: 'in `repo_locks`',
      }).optional(),
      autodiscover: Unsupported.optional(),
      delete_source_branch_on_merge: Unsupported.optional(),
      abort_on_execution_order_fail: Unsupported.optional(),
      allowed_regexp_prefixes: Unsupported.optional(),
      emoji_reaction: Unsupported.optional(),
      silence_pr_comments: Unsupported.optional(),
      policies: Unsupported.optional(),
    })
    .superRefine((config, ctx) => {
      checkProjects(config.projects ?? [], ctx);
    }),
  { expected: 'a map of settings, starting with `version: 3`' },
);

type RawConfig = z.output<typeof AtlantisConfigSchema>;

/** Why each key Sluice accepts but does not act on is ignored, for the warning. */
const IGNORED_TOP: Record<string, string> = {
  autodiscover: 'Sluice finds projects itself only when `projects` is absent',
  delete_source_branch_on_merge: 'Sluice never deletes branches',
  abort_on_execution_order_fail: 'Sluice always stops at the first failed execution order group',
  allowed_regexp_prefixes: 'Sluice has no regular-expression commands',
  emoji_reaction: 'Sluice reacts with its own emoji',
  silence_pr_comments: 'Sluice always comments',
  policies: 'Sluice has no policy checks',
};
const IGNORED_PROJECT: Record<string, string> = {
  branch: 'the project is planned for pull requests into any branch',
  import_requirements: 'Sluice has no `import` command',
  delete_source_branch_on_merge: 'Sluice never deletes branches',
  repo_locking: 'locks are per project, as the server config (or top-level `repo_locks`) says',
  repo_locks: 'use the top-level `repo_locks`; Sluice locks the same way for every project',
  policy_check: 'Sluice has no policy checks',
  custom_policy_check: 'Sluice has no policy checks',
  silence_pr_comments: 'Sluice always comments',
};
const IGNORED_WORKFLOW: Record<string, string> = {
  policy_check: 'Sluice has no policy checks',
  import: 'Sluice has no `import` command',
  state_rm: 'Sluice has no `state rm` command',
};

const ATLANTIS_PATHS: OverridePaths = {
  lockMode: ['repo_locks'],
  workflows: ['workflows'],
  project: (index, key) => ['projects', index, key],
};

const LOCK_MODES: Record<'disabled' | 'on_plan' | 'on_apply', LockMode> = {
  disabled: 'off',
  on_plan: 'plan',
  on_apply: 'apply',
};

/** Parses `atlantis.yaml` into Sluice's repo config, with warnings for what Sluice ignores. */
export function parseAtlantisConfig(
  text: string,
  file: string,
  options: ParseRepoConfigOptions = {},
): RepoConfigResult {
  const parsed = parseYamlConfig(text, file, {
    schema: AtlantisConfigSchema,
    needs: 'at least `version: 3`',
  });
  if (!parsed.ok) return parsed;
  const config = toRepoConfig(parsed.data);
  if (options.rules) {
    const issues = checkOverrides(config, options.rules, parsed.locate, ATLANTIS_PATHS);
    if (issues.length > 0) return { ok: false, issues };
  }
  return { ok: true, config, warnings: warningsFor(parsed.data, parsed.locate) };
}

function warningsFor(data: RawConfig, locate: Locate): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  const warn = (path: ConfigPath, why: string) =>
    warnings.push({
      ...locate(path, `\`${String(path.at(-1))}\` is ignored: ${why}.`, 'key'),
      severity: 'warning',
    });
  const present = (object: object, key: string) => (object as Record<string, unknown>)[key] !== undefined;
  for (const [key, why] of Object.entries(IGNORED_TOP)) if (present(data, key)) warn([key], why);
  for (const [index, project] of (data.projects ?? []).entries()) {
    for (const [key, why] of Object.entries(IGNORED_PROJECT))
      if (present(project, key)) warn(['projects', index, key], why);
  }
  for (const [name, workflow] of Object.entries(data.workflows ?? {})) {
    for (const [key, why] of Object.entries(IGNORED_WORKFLOW))
      if (present(workflow, key)) warn(['workflows', name, key], why);
    for (const stage of ['plan', 'apply'] as const) {
      for (const [index, step] of (workflow[stage]?.steps ?? []).entries()) {
        const run = typeof step === 'object' && 'run' in step ? step.run : undefined;
        if (run && typeof run === 'object' && run.output !== undefined)
          warn(
            ['workflows', name, stage, 'steps', index, 'run', 'output'],
            'Sluice shows the output of `run` steps as it is',
          );
      }
    }
  }
  return warnings.sort((a, b) => a.line - b.line || a.column - b.column);
}

function toRepoConfig(data: RawConfig): RepoConfig {
  const config: RepoConfig = { version: 1 };
  // Atlantis: a file with no projects (or an empty list) still finds projects itself.
  if (data.projects && data.projects.length > 0) config.projects = data.projects.map(toProject);
  if (data.workflows) {
    config.workflows = Object.fromEntries(
      Object.entries(data.workflows).map(([name, w]) => [name, toWorkflow(w)]),
    );
  }
  if (data.automerge !== undefined) config.automerge = data.automerge;
  if (data.parallel_plan !== undefined) config.parallelPlan = data.parallel_plan;
  if (data.parallel_apply !== undefined) config.parallelApply = data.parallel_apply;
  if (data.repo_locks) config.lockMode = LOCK_MODES[data.repo_locks.mode];
  return config;
}

function toProject(project: NonNullable<RawConfig['projects']>[number]): ProjectConfig {
  const dir = normalizeRepoPath(project.dir) ?? '.';
  const workspace = project.workspace ?? 'default';
  const out: ProjectConfig = {
    name: project.name ?? defaultProjectName(dir, workspace),
    dir,
    workspace,
    type: 'terraform',
    autoplan: {
      enabled: project.autoplan?.enabled ?? true,
      whenModified: project.autoplan?.when_modified ?? [...DEFAULT_WHEN_MODIFIED],
    },
    dependsOn: project.depends_on ?? [],
    executionOrderGroup: project.execution_order_group ?? 0,
  };
  if (project.workflow !== undefined) out.workflow = project.workflow;
  if (project.apply_requirements !== undefined) out.applyRequirements = project.apply_requirements;
  if (project.plan_requirements !== undefined) out.planRequirements = project.plan_requirements;
  if (project.terraform_distribution !== undefined || project.terraform_version !== undefined) {
    out.tool = {};
    if (project.terraform_distribution !== undefined) out.tool.distribution = project.terraform_distribution;
    if (project.terraform_version !== undefined) out.tool.version = project.terraform_version;
  }
  return out;
}

/** Atlantis's stages without steps run its defaults (init, plan / apply); so do Sluice's. */
function toWorkflow(raw: z.output<typeof WorkflowSchema>): Workflow {
  return {
    plan: raw.plan?.steps
      ? raw.plan.steps.map(toStep)
      : [
          { kind: 'init', extraArgs: [] },
          { kind: 'plan', extraArgs: [] },
        ],
    apply: raw.apply?.steps ? raw.apply.steps.map(toStep) : [{ kind: 'apply', extraArgs: [] }],
  };
}

function toStep(step: RawStep): Step {
  if (typeof step === 'string') return { kind: step as BuiltinStep, extraArgs: [] };
  const [kind, args] = Object.entries(step)[0] as [string, unknown];
  if (kind === 'run') {
    if (typeof args === 'string') return { kind: 'run', argv: [...SHELL, args] };
    const run = args as { command: string; shell?: string; shell_args?: string | string[] };
    const shellArgs = run.shell_args === undefined ? ['-c'] : [run.shell_args].flat();
    return { kind: 'run', argv: [run.shell ?? 'sh', ...shellArgs, run.command] };
  }
  if (kind === 'env') {
    const env = args as { name: string; value?: string; command?: string };
    return env.command !== undefined
      ? { kind: 'env', name: env.name, argv: [...SHELL, env.command] }
      : { kind: 'env', name: env.name, value: env.value };
  }
  return { kind: kind as BuiltinStep, extraArgs: (args as { extra_args: string[] }).extra_args };
}
