import { z } from 'zod';
import { defaultProjectName } from '../projects/naming.js';
import { normalizeRepoPath, resolveFrom } from '../projects/paths.js';
import { said } from './config-text.js';
import { didYouMean } from './did-you-mean.js';
import { checkOverrides, type OverridePaths } from './overrides.js';
import { DependsOnField, dirField, RequirementsSchema, ToolField, WorkspaceField } from './project-fields.js';
import type { ApplyRequirement, LockMode, RepoRules } from './rules.js';
import type { ToolRequest } from './tool-version.js';
import { toWorkflows, type Workflow, WorkflowsSchema } from './workflow.js';
import { type ConfigIssue, formatPath, parseYamlConfig } from './yaml-config.js';

export type { ConfigIssue } from './yaml-config.js';
export { formatPath };

/** Where Sluice looks for a repo's config, in order; the first that exists is read. */
export const REPO_CONFIG_FILES = ['sluice.yaml', 'sluice.yml'] as const;

/** Atlantis's default `when_modified`, plus OpenTofu's own file extension. Relative to the project dir. */
export const DEFAULT_WHEN_MODIFIED: readonly string[] = ['**/*.tf*', '**/*.tofu', '**/.terraform.lock.hcl'];
/** What a dbt project's plan depends on by default. Relative to the project dir. */
export const DEFAULT_DBT_WHEN_MODIFIED: readonly string[] = [
  '**/*.sql',
  '**/*.yml',
  '**/*.yaml',
  '**/*.csv',
  '**/*.py',
];

export type ProjectType = 'terraform' | 'dbt';

export interface ProjectConfig {
  /** Given, or Atlantis's default: `dir`, or `dir:workspace` when the workspace is not `default`. */
  name: string;
  /** Normalised: relative to the repo root, POSIX, no "./", "." for the root. */
  dir: string;
  workspace: string;
  type: ProjectType;
  autoplan: { enabled: boolean; whenModified: string[] };
  /** Names of projects that must be applied before this one. */
  dependsOn: string[];
  /** Projects run group by group, lowest first; order inside a group is not fixed. */
  executionOrderGroup: number;
  /** Absent: the repo's default workflow from the server config. */
  workflow?: string;
  /** Present only when the server config lets this repo override it. */
  applyRequirements?: ApplyRequirement[];
  planRequirements?: ApplyRequirement[];
  /** Absent: the server's default OpenTofu/Terraform (src/runner/resolve-tool.ts). */
  tool?: ToolRequest;
  /** dbt projects: profiles.yml's folder (repo-relative; default the project's) and the outputs to use. */
  dbt?: { profilesDir?: string; planTarget?: string; applyTarget?: string; dataBuild?: boolean };
}

export interface RepoConfig {
  version: 1;
  /** Absent: Sluice finds projects itself. Present (even empty): exactly these projects. */
  projects?: ProjectConfig[];
  /** The repo's own workflows (only when the server config allows custom workflows). */
  workflows?: Record<string, Workflow>;
  /** Plan (apply) the projects of one group at the same time; default true for plans, false for applies. */
  parallelPlan?: boolean;
  parallelApply?: boolean;
  /** Merge the PR once every project is applied (comment mode). */
  automerge?: boolean;
  /** Present only when the server config lets this repo override it. */
  lockMode?: LockMode;
  /** `sluice plan` on a developer's machine only; the server ignores it. */
  local?: { passEnv: string[] };
}

export type RepoConfigResult =
  /** `warnings`: what the file asks for that Sluice ignores (always present; optional for callers' casts). */
  { ok: true; config: RepoConfig; warnings?: ConfigIssue[] } | { ok: false; issues: ConfigIssue[] };

export interface ParseRepoConfigOptions {
  /**
   * The admin's rules for the repository. Given: keys outside `allowed_overrides`, custom workflows
   * that are not allowed and unknown workflows are refused with their position. Absent: only the
   * file itself is checked (e.g. `sluice config validate` without a server config).
   */
  rules?: RepoRules;
}

const AutoplanSchema = said(
  z.strictObject({
    enabled: z.boolean().optional(),
    when_modified: said(z.array(said(z.string().min(1), { expected: 'a glob pattern' })), {
      expected: 'a list of glob patterns',
    }).optional(),
  }),
  { expected: 'a map with `enabled` and/or `when_modified`', where: 'in `autoplan`' },
);

/** A name dbt's profiles.yml could use as an output. */
const TargetName = said(z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_-]*$/), {
  expected: 'a profile output name',
});

/** sluice.yaml's `dbt`: where the profiles are and which output plans and applies use. */
const DbtFieldsSchema = said(
  z.strictObject({
    profiles_dir: dirField().optional(),
    plan_target: TargetName.optional(),
    apply_target: TargetName.optional(),
    data_build: z.boolean().optional(),
  }),
  {
    expected: 'a map with `profiles_dir`, `plan_target`, `apply_target` and/or `data_build`',
    where: 'in `dbt`',
  },
);

const ProjectSchema = said(
  z
    .strictObject({
      name: z.string().min(1).optional(),
      dir: dirField(),
      workspace: WorkspaceField.optional(),
      type: z.enum(['terraform', 'dbt']).optional(),
      autoplan: AutoplanSchema.optional(),
      depends_on: DependsOnField.optional(),
      execution_order_group: z.number().int().optional(),
      workflow: said(z.string().min(1), { expected: 'a workflow name' }).optional(),
      apply_requirements: RequirementsSchema.optional(),
      plan_requirements: RequirementsSchema.optional(),
      tool: ToolField.optional(),
      dbt: DbtFieldsSchema.optional(),
    })
    .superRefine((project, ctx) => {
      if (project.dbt !== undefined && project.type !== 'dbt') {
        ctx.addIssue({
          code: 'custom',
          path: ['dbt'],
          params: { at: 'key' },
          message: '`dbt` settings need `type: dbt` on the same project.',
        });
      }
      if (project.type === 'dbt' && project.tool !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['tool'],
          params: { at: 'key' },
          message:
            '`tool` picks the OpenTofu/Terraform of a Terraform project; a dbt project runs the server’s dbt.',
        });
      }
      const dir = normalizeRepoPath(project.dir);
      if (dir === undefined) return;
      for (const [index, pattern] of (project.autoplan?.when_modified ?? []).entries()) {
        const bare = pattern.startsWith('!') ? pattern.slice(1) : pattern;
        if (resolveFrom(dir, bare) === undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['autoplan', 'when_modified', index],
            message: `Pattern \`${pattern}\` points outside the repo; patterns are relative to the project dir \`${dir}\`.`,
          });
        }
      }
    }),
  { expected: 'a map with at least `dir`', where: 'in a project' },
);

type RawProject = z.output<typeof ProjectSchema>;

/** A variable name, or a glob of names (`TF_VAR_*`), that `sluice plan` passes from the developer's environment. */
const PassEnvName = said(z.string().regex(/^[A-Za-z_*?[][A-Za-z0-9_*?[\]!-]*$/), {
  expected: 'an environment variable name or a glob of names, e.g. `AWS_PROFILE` or `TF_VAR_*`',
});

const LocalSchema = said(
  z.strictObject({
    pass_env: said(z.array(PassEnvName), { expected: 'a list of variable names or globs' }).optional(),
  }),
  { expected: 'a map with `pass_env`' },
);

export const RepoConfigSchema = said(
  z
    .strictObject({
      version: said(z.literal(1), {
        expected: 'the number 1',
        missing: '`version` is required; add `version: 1` at the top.',
      }),
      projects: said(z.array(ProjectSchema), { expected: 'a list of projects' }).optional(),
      workflows: WorkflowsSchema.optional(),
      parallel_plan: z.boolean().optional(),
      parallel_apply: z.boolean().optional(),
      automerge: z.boolean().optional(),
      lock_mode: z.enum(['plan', 'apply', 'off']).optional(),
      local: LocalSchema.optional(),
    })
    .superRefine((config, ctx) => {
      checkProjects(config.projects ?? [], ctx);
    }),
  { expected: 'a map of settings, starting with `version: 1`' },
);

/** Names and places unique; `depends_on` names real projects, never itself, without cycles. */
interface ProjectIdentity {
  name?: string;
  dir: string;
  workspace?: string;
  depends_on?: string[];
}

export function checkProjects(projects: ProjectIdentity[], ctx: z.core.$RefinementCtx): void {
  const names = new Map<string, number>();
  const places = new Map<string, number>();
  const nameOf = (project: ProjectIdentity) => {
    const dir = normalizeRepoPath(project.dir) ?? project.dir;
    return project.name ?? defaultProjectName(dir, project.workspace ?? 'default');
  };
  for (const [index, project] of projects.entries()) {
    const dir = normalizeRepoPath(project.dir);
    if (dir === undefined) continue;
    const workspace = project.workspace ?? 'default';
    const name = nameOf(project);
    const place = `${dir}\u0000${workspace}`;
    const samePlace = places.get(place);
    const sameName = names.get(name);
    if (samePlace !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['projects', index, 'dir'],
        message: `\`projects[${samePlace}]\` already plans \`${dir}\` in workspace \`${workspace}\`; give each project its own dir or workspace.`,
      });
    } else if (sameName !== undefined) {
      ctx.addIssue(
        project.name === undefined
          ? {
              code: 'custom',
              path: ['projects', index],
              message: `This project's default name \`${name}\` is already used by \`projects[${sameName}]\`; give one of them another \`name\`.`,
            }
          : {
              code: 'custom',
              path: ['projects', index, 'name'],
              message: `Project name \`${name}\` is already used by \`projects[${sameName}]\`; names must be unique.`,
            },
      );
    }
    if (samePlace === undefined) places.set(place, index);
    if (sameName === undefined) names.set(name, index);
  }

  const all = projects.map(nameOf);
  const edges = new Map<string, string[]>();
  for (const [index, project] of projects.entries()) {
    const self = all[index] as string;
    for (const [d, dependency] of (project.depends_on ?? []).entries()) {
      const path = ['projects', index, 'depends_on', d];
      if (dependency === self) {
        ctx.addIssue({ code: 'custom', path, message: `Project \`${self}\` cannot depend on itself.` });
      } else if (!all.includes(dependency)) {
        const close = closest(
          dependency,
          all.filter((n) => n !== self),
        );
        ctx.addIssue({
          code: 'custom',
          path,
          message: `\`depends_on\` names \`${dependency}\`, which is not a project here.${close ? ` Did you mean \`${close}\`?` : ''}`,
        });
      } else {
        edges.set(self, [...(edges.get(self) ?? []), dependency]);
      }
    }
  }
  const cycle = findCycle(edges);
  if (cycle) {
    const index = all.indexOf(cycle[0] as string);
    ctx.addIssue({
      code: 'custom',
      path: ['projects', index, 'depends_on'],
      message: `\`depends_on\` goes round in a circle: ${cycle.map((n) => `\`${n}\``).join(' → ')}.`,
    });
  }
}

/** A project's last path segment for its full name (`app` → `envs/app`), or a typo of a longer name. */
function closest(input: string, known: string[]): string | undefined {
  const lower = input.toLowerCase();
  const bySegment = known.find((k) => k.toLowerCase().endsWith(`/${lower}`));
  if (bySegment) return bySegment;
  return input.length >= 3 ? didYouMean(input, known) : undefined;
}

function findCycle(edges: Map<string, string[]>): string[] | undefined {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === 'done') return undefined;
    if (state.get(node) === 'visiting') return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, 'visiting');
    stack.push(node);
    for (const next of edges.get(node) ?? []) {
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(node, 'done');
    return undefined;
  };
  for (const node of [...edges.keys()].sort()) {
    const found = visit(node);
    if (found) return found;
  }
  return undefined;
}

/**
 * Parses a repo's `sluice.yaml`. YAML syntax, then the schema, then cross-field rules, then (given the
 * admin's rules) what this repo may override; every issue carries the file, line and column to fix.
 */
export function parseRepoConfig(
  text: string,
  file: string,
  options: ParseRepoConfigOptions = {},
): RepoConfigResult {
  const parsed = parseYamlConfig(text, file, {
    schema: RepoConfigSchema,
    needs: 'at least `version: 1`',
  });
  if (!parsed.ok) return parsed;
  const config = toRepoConfig(parsed.data);
  if (options.rules) {
    const issues = checkOverrides(config, options.rules, parsed.locate, SLUICE_PATHS);
    if (issues.length > 0) return { ok: false, issues };
  }
  return { ok: true, config, warnings: [] };
}

/** Where each restricted key sits in a sluice.yaml, for messages. */
const SLUICE_PATHS: OverridePaths = {
  lockMode: ['lock_mode'],
  workflows: ['workflows'],
  project: (index, key) => ['projects', index, key],
};

export function toRepoConfig(data: z.output<typeof RepoConfigSchema>): RepoConfig {
  const config: RepoConfig = { version: 1 };
  if (data.projects) config.projects = data.projects.map(toProjectConfig);
  if (data.workflows) config.workflows = toWorkflows(data.workflows);
  if (data.parallel_plan !== undefined) config.parallelPlan = data.parallel_plan;
  if (data.parallel_apply !== undefined) config.parallelApply = data.parallel_apply;
  if (data.automerge !== undefined) config.automerge = data.automerge;
  if (data.lock_mode !== undefined) config.lockMode = data.lock_mode;
  if (data.local) config.local = { passEnv: data.local.pass_env ?? [] };
  return config;
}

function toProjectConfig(project: RawProject): ProjectConfig {
  const dir = normalizeRepoPath(project.dir) ?? '.';
  const workspace = project.workspace ?? 'default';
  const type = project.type ?? 'terraform';
  const out: ProjectConfig = {
    name: project.name ?? defaultProjectName(dir, workspace),
    dir,
    workspace,
    type,
    autoplan: {
      enabled: project.autoplan?.enabled ?? true,
      whenModified: project.autoplan?.when_modified ?? [
        ...(type === 'dbt' ? DEFAULT_DBT_WHEN_MODIFIED : DEFAULT_WHEN_MODIFIED),
      ],
    },
    dependsOn: project.depends_on ?? [],
    executionOrderGroup: project.execution_order_group ?? 0,
  };
  if (project.workflow !== undefined) out.workflow = project.workflow;
  if (project.apply_requirements !== undefined) out.applyRequirements = project.apply_requirements;
  if (project.plan_requirements !== undefined) out.planRequirements = project.plan_requirements;
  if (project.tool !== undefined) out.tool = project.tool;
  if (project.dbt !== undefined) {
    const profilesDir =
      project.dbt.profiles_dir === undefined ? undefined : normalizeRepoPath(project.dbt.profiles_dir);
    out.dbt = {
      ...(profilesDir !== undefined ? { profilesDir } : {}),
      ...(project.dbt.plan_target !== undefined ? { planTarget: project.dbt.plan_target } : {}),
      ...(project.dbt.apply_target !== undefined ? { applyTarget: project.dbt.apply_target } : {}),
      ...(project.dbt.data_build !== undefined ? { dataBuild: project.dbt.data_build } : {}),
    };
  }
  return out;
}
