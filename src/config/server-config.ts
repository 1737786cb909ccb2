import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { COMMAND_NAMES, type CommandName } from '../commands/parse-command.js';
import { SluiceError } from '../errors.js';
import { said } from './config-text.js';
import {
  type ApplyMode,
  type ApplyRequirement,
  DEFAULT_WORKFLOW,
  type LockMode,
  OVERRIDABLE_KEYS,
  type OverridableKey,
  type PermissionRules,
  type ProjectPermissions,
  type SandboxRules,
  type Who,
} from './rules.js';
import { EnvNameSchema, toWorkflows, type Workflow, WorkflowsSchema } from './workflow.js';
import { type ConfigIssue, formatIssue, parseYamlConfig } from './yaml-config.js';

/** Where `sluice config validate` and the docs expect a server config. */
export const SERVER_CONFIG_FILES = ['sluice-server.yaml', 'sluice-server.yml'] as const;

/** Names of teams: `team` (the repo owner's) or `org/team`; GitLab groups may be nested. */
const TEAM = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

const RequirementsSchema = said(z.array(z.enum(['approved', 'mergeable', 'undiverged'])), {
  expected: 'a list of `approved`, `mergeable`, `undiverged`',
});

const WhoSchema = said(
  z.strictObject({
    users: said(z.array(z.string().min(1)), { expected: 'a list of user names' }).optional(),
    teams: said(
      z.array(
        said(
          z.string().superRefine((team, ctx) => {
            if (!TEAM.test(team))
              ctx.addIssue({
                code: 'custom',
                message: `\`${team}\` is not a team name: write \`team\` (a team of the repo's owner) or \`org/team\`.`,
              });
          }),
          { expected: 'a team name' },
        ),
      ),
      { expected: 'a list of team names' },
    ).optional(),
    role: z.enum(['read', 'write', 'admin']).optional(),
  }),
  { expected: 'a map with `users`, `teams` and/or `role`', where: 'in a permission' },
);

const ProjectPermissionsSchema = said(
  z
    .strictObject({
      match: said(z.string().min(1), {
        expected: 'a glob on the project dir, e.g. `prod/**`',
        missing: 'This entry has no `match`; set it to a glob on the project dir, e.g. `prod/**`.',
      }),
      plan: WhoSchema.optional(),
      apply: WhoSchema.optional(),
      unlock: WhoSchema.optional(),
    })
    .superRefine((entry, ctx) => {
      if (!entry.plan && !entry.apply && !entry.unlock)
        ctx.addIssue({
          code: 'custom',
          message: `The entry for \`${entry.match}\` sets nothing; add \`plan\`, \`apply\` and/or \`unlock\`.`,
        });
    }),
  { expected: 'a map with `match` and `plan`, `apply` and/or `unlock`', where: 'in a project permission' },
);

const PermissionsSchema = said(
  z.strictObject({
    plan: WhoSchema.optional(),
    apply: WhoSchema.optional(),
    unlock: WhoSchema.optional(),
    projects: said(z.array(ProjectPermissionsSchema), {
      expected: 'a list of project permissions',
    }).optional(),
  }),
  { expected: 'a map with `plan`, `apply`, `unlock` and/or `projects`', where: 'in `permissions`' },
);

/** A folder outside the server's own that a stage may write, e.g. where a DuckDB warehouse file lives. */
const AbsolutePathSchema = said(
  z
    .string()
    .min(2)
    .refine((p) => p.startsWith('/') && !p.split('/').includes('..'), {
      message: 'must be an absolute path without `..`',
    }),
  { expected: 'an absolute path' },
);

/** A host the egress proxy lets a networked step reach: `host` (port 443), `host:port` or `*.domain`. */
const EgressHostSchema = said(
  z
    .string()
    .regex(
      /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?$/,
      'must be a host name like `registry.example.com`, `git.example.com:8443` or `*.example.com`',
    ),
  { expected: 'a host name (`host`, `host:port` or `*.domain`)' },
);

const SandboxSchema = said(
  z.strictObject({
    network: z.boolean().optional(),
    plan_env: said(z.array(EnvNameSchema), { expected: 'a list of environment variable names' }).optional(),
    apply_env: said(z.array(EnvNameSchema), { expected: 'a list of environment variable names' }).optional(),
    plan_paths: said(z.array(AbsolutePathSchema), { expected: 'a list of absolute paths' }).optional(),
    apply_paths: said(z.array(AbsolutePathSchema), { expected: 'a list of absolute paths' }).optional(),
    allowed_hosts: said(z.array(EgressHostSchema), {
      expected: 'a list of host names (`host`, `host:port` or `*.domain`)',
    }).optional(),
  }),
  {
    expected:
      'a map with `network`, `allowed_hosts`, `plan_env`, `apply_env`, `plan_paths` and/or `apply_paths`',
    where: 'in `sandbox`',
  },
);

function regexSchema(what: string) {
  return said(
    z
      .string()
      .min(1)
      .superRefine((source, ctx) => {
        try {
          new RegExp(source);
        } catch (error) {
          ctx.addIssue({
            code: 'custom',
            message: `${what} \`${source}\` is not a valid regular expression: ${regexProblem(error)}.`,
          });
        }
      }),
    { expected: 'a regular expression' },
  );
}

const RepoRuleSchema = said(
  z
    .strictObject({
      id: said(
        z
          .string()
          .min(1)
          .superRefine((id, ctx) => {
            const regex = atlantisRegex(id);
            if (regex === undefined) return;
            try {
              new RegExp(regex);
            } catch (error) {
              ctx.addIssue({
                code: 'custom',
                message: `\`${id}\` is not a valid regular expression: ${regexProblem(error)}.`,
              });
            }
          }),
        { expected: 'a repository id like `github.com/acme/infra`' },
      ).optional(),
      id_regex: regexSchema('`id_regex`').optional(),
      allowed: z.boolean().optional(),
      apply_mode: z.enum(['merge', 'comment']).optional(),
      apply_requirements: RequirementsSchema.optional(),
      plan_requirements: RequirementsSchema.optional(),
      lock_mode: z.enum(['plan', 'apply', 'off']).optional(),
      interrupted_apply: z.enum(['reapply', 'wait']).optional(),
      automerge: z.boolean().optional(),
      atlantis_alias: z.boolean().optional(),
      allowed_commands: said(z.array(z.enum(COMMAND_NAMES)), {
        expected: `a list of ${COMMAND_NAMES.map((c) => `\`${c}\``).join(', ')}`,
      }).optional(),
      permissions: PermissionsSchema.optional(),
      allowed_overrides: said(z.array(z.enum(OVERRIDABLE_KEYS)), {
        expected: `a list of ${OVERRIDABLE_KEYS.map((k) => `\`${k}\``).join(', ')}`,
      }).optional(),
      allowed_workflows: said(z.array(z.string().min(1)), {
        expected: 'a list of workflow names',
      }).optional(),
      allow_custom_workflows: z.boolean().optional(),
      workflow: said(z.string().min(1), { expected: 'a workflow name' }).optional(),
      sandbox: SandboxSchema.optional(),
      step_timeout_seconds: z.number().int().min(1).optional(),
      templates_dir: said(z.string().min(1), { expected: 'a folder path' }).optional(),
      autoplan: z.boolean().optional(),
      drafts: z.enum(['plan', 'skip']).optional(),
      forks: z.enum(['plan', 'skip']).optional(),
    })
    .superRefine((rule, ctx) => {
      if ((rule.id === undefined) === (rule.id_regex === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message:
            rule.id === undefined
              ? 'This rule matches no repository: add `id` (e.g. `github.com/acme/infra`) or `id_regex` (e.g. `github\\.com/acme/.*`).'
              : 'Give either `id` or `id_regex`, not both.',
        });
      }
    }),
  { expected: 'a map with `id` or `id_regex` and the rules for those repositories', where: 'in a repo rule' },
);

export const ServerConfigSchema = said(
  z
    .strictObject({
      version: said(z.literal(1), {
        expected: 'the number 1',
        missing: '`version` is required; add `version: 1` at the top.',
      }),
      repos: said(z.array(RepoRuleSchema), { expected: 'a list of repo rules' }).optional(),
      workflows: WorkflowsSchema.optional(),
    })
    .superRefine((config, ctx) => {
      const defined = [DEFAULT_WORKFLOW, ...Object.keys(config.workflows ?? {})];
      const undefinedWorkflow = (name: string) => {
        const list = defined.map((d) => `\`${d}\``).join(', ');
        return `Workflow \`${name}\` is not defined in \`workflows\`. Defined: ${list}.`;
      };
      for (const [index, rule] of (config.repos ?? []).entries()) {
        if (rule.workflow !== undefined && !defined.includes(rule.workflow))
          ctx.addIssue({
            code: 'custom',
            path: ['repos', index, 'workflow'],
            message: undefinedWorkflow(rule.workflow),
          });
        for (const [w, name] of (rule.allowed_workflows ?? []).entries()) {
          if (!defined.includes(name))
            ctx.addIssue({
              code: 'custom',
              path: ['repos', index, 'allowed_workflows', w],
              message: undefinedWorkflow(name),
            });
        }
      }
    }),
  { expected: 'a map of settings, starting with `version: 1`' },
);

type RawRule = z.output<typeof RepoRuleSchema>;

/** What one repo rule sets; keys it does not mention keep the value of earlier rules. */
export interface RulePatch {
  allowed?: boolean;
  applyMode?: ApplyMode;
  applyRequirements?: ApplyRequirement[];
  planRequirements?: ApplyRequirement[];
  lockMode?: LockMode;
  automerge?: boolean;
  atlantisAlias?: boolean;
  allowedCommands?: CommandName[];
  permissions?: Partial<PermissionRules>;
  allowedOverrides?: OverridableKey[];
  allowedWorkflows?: string[];
  allowCustomWorkflows?: boolean;
  workflow?: string;
  sandbox?: Partial<SandboxRules>;
  stepTimeoutMs?: number;
  templatesDir?: string;
  autoplan?: boolean;
  drafts?: 'plan' | 'skip';
  forks?: 'plan' | 'skip';
  interruptedApply?: 'reapply' | 'wait';
}

export interface RepoRule {
  /** How the rule was written, for logs: `id github.com/acme/infra` or `id_regex …`. */
  label: string;
  /** Whether the rule applies to a repository id (`host/owner/name`). Case-insensitive; regexes match the whole id. */
  matches: (repoId: string) => boolean;
  set: RulePatch;
}

export interface ServerConfig {
  file: string;
  repos: RepoRule[];
  workflows: Record<string, Workflow>;
}

export type ServerConfigResult = { ok: true; config: ServerConfig } | { ok: false; issues: ConfigIssue[] };

/** "Invalid regular expression: /(/: Unterminated group" → "unterminated group". */
function regexProblem(error: unknown): string {
  const message = (error as Error).message;
  const problem = message.slice(message.lastIndexOf(': ') + 2) || message;
  return problem.charAt(0).toLowerCase() + problem.slice(1);
}

/** Atlantis writes regex ids between slashes: `id: /github.com\/acme\/.*\/`. */
function atlantisRegex(id: string): string | undefined {
  return id.length >= 2 && id.startsWith('/') && id.endsWith('/') ? id.slice(1, -1) : undefined;
}

/** Parses a server config. Relative `templates_dir` paths are resolved against the file's folder. */
export function parseServerConfig(text: string, file: string): ServerConfigResult {
  const parsed = parseYamlConfig(text, file, {
    schema: ServerConfigSchema,
    needs: 'at least `version: 1`',
  });
  if (!parsed.ok) return parsed;
  const base = dirname(resolve(file));
  return {
    ok: true,
    config: {
      file,
      repos: (parsed.data.repos ?? []).map((rule) => toRepoRule(rule, base)),
      workflows: toWorkflows(parsed.data.workflows),
    },
  };
}

/** Reads and parses the server config at `path`; a problem stops the server with every issue listed. */
export function loadServerConfig(path: string): ServerConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      `the server config ${path} cannot be read: ${(error as Error).message}`,
    );
  }
  const result = parseServerConfig(text, path);
  if (!result.ok) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      `the server config ${path} is invalid:\n${result.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`,
    );
  }
  return result.config;
}

function toRepoRule(rule: RawRule, base: string): RepoRule {
  const regexSource = rule.id_regex ?? (rule.id === undefined ? undefined : atlantisRegex(rule.id));
  let matches: RepoRule['matches'];
  let label: string;
  if (regexSource !== undefined) {
    const regex = new RegExp(`^(?:${regexSource})$`, 'i');
    matches = (id) => regex.test(id);
    label = `id_regex ${regexSource}`;
  } else {
    const id = (rule.id as string).toLowerCase();
    matches = (candidate) => candidate.toLowerCase() === id;
    label = `id ${rule.id}`;
  }
  return { label, matches, set: toPatch(rule, base) };
}

function toWho(raw: z.output<typeof WhoSchema>): Who {
  const listed = raw.users !== undefined || raw.teams !== undefined;
  const who: Who = { users: raw.users ?? [], teams: raw.teams ?? [] };
  const minRole = raw.role ?? (listed ? undefined : 'write');
  if (minRole) who.minRole = minRole;
  return who;
}

function toPatch(rule: RawRule, base: string): RulePatch {
  const patch: RulePatch = {};
  const put = <K extends keyof RulePatch>(key: K, value: RulePatch[K] | undefined) => {
    if (value !== undefined) patch[key] = value;
  };
  put('allowed', rule.allowed);
  put('applyMode', rule.apply_mode);
  put('applyRequirements', rule.apply_requirements);
  put('planRequirements', rule.plan_requirements);
  put('lockMode', rule.lock_mode);
  put('automerge', rule.automerge);
  put('atlantisAlias', rule.atlantis_alias);
  put('allowedCommands', rule.allowed_commands);
  put('allowedOverrides', rule.allowed_overrides);
  put('allowedWorkflows', rule.allowed_workflows);
  put('allowCustomWorkflows', rule.allow_custom_workflows);
  put('workflow', rule.workflow);
  put(
    'stepTimeoutMs',
    rule.step_timeout_seconds === undefined ? undefined : rule.step_timeout_seconds * 1000,
  );
  put('templatesDir', rule.templates_dir === undefined ? undefined : resolve(base, rule.templates_dir));
  put('autoplan', rule.autoplan);
  put('drafts', rule.drafts);
  put('forks', rule.forks);
  put('interruptedApply', rule.interrupted_apply);
  if (rule.permissions) {
    const p = rule.permissions;
    const permissions: Partial<PermissionRules> = {};
    if (p.plan) permissions.plan = toWho(p.plan);
    if (p.apply) permissions.apply = toWho(p.apply);
    if (p.unlock) permissions.unlock = toWho(p.unlock);
    if (p.projects) {
      permissions.projects = p.projects.map((entry) => {
        const out: ProjectPermissions = { match: entry.match };
        if (entry.plan) out.plan = toWho(entry.plan);
        if (entry.apply) out.apply = toWho(entry.apply);
        if (entry.unlock) out.unlock = toWho(entry.unlock);
        return out;
      });
    }
    patch.permissions = permissions;
  }
  if (rule.sandbox) {
    const sandbox: Partial<SandboxRules> = {};
    if (rule.sandbox.network !== undefined) sandbox.network = rule.sandbox.network;
    if (rule.sandbox.plan_env) sandbox.planEnv = rule.sandbox.plan_env;
    if (rule.sandbox.apply_env) sandbox.applyEnv = rule.sandbox.apply_env;
    if (rule.sandbox.plan_paths) sandbox.planPaths = rule.sandbox.plan_paths;
    if (rule.sandbox.apply_paths) sandbox.applyPaths = rule.sandbox.apply_paths;
    if (rule.sandbox.allowed_hosts) sandbox.allowedHosts = rule.sandbox.allowed_hosts;
    patch.sandbox = sandbox;
  }
  return patch;
}
