import { type Document, isAlias, LineCounter, parseDocument, visit } from 'yaml';
import { z } from 'zod';
import { defaultProjectName } from '../projects/naming.js';
import { normalizeRepoPath, resolveFrom } from '../projects/paths.js';
import { didYouMean } from './did-you-mean.js';
import { type ConfigPath, offsetPosition, positionOf } from './yaml-positions.js';

/** Where Sluice looks for a repo's config, in order; the first that exists is read. */
export const REPO_CONFIG_FILES = ['sluice.yaml', 'sluice.yml'] as const;

/** Atlantis's default `when_modified`, plus OpenTofu's own file extension. Relative to the project dir. */
export const DEFAULT_WHEN_MODIFIED: readonly string[] = ['**/*.tf*', '**/*.tofu', '**/.terraform.lock.hcl'];

/** A problem in a config file, at the 1-based line and column the user must fix. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  message: string;
}

export interface ProjectConfig {
  /** Given, or Atlantis's default: `dir`, or `dir:workspace` when the workspace is not `default`. */
  name: string;
  /** Normalised: relative to the repo root, POSIX, no "./", "." for the root. */
  dir: string;
  workspace: string;
  autoplan: { enabled: boolean; whenModified: string[] };
}

export interface RepoConfig {
  version: 1;
  /** Absent: Sluice finds projects itself. Present (even empty): exactly these projects. */
  projects?: ProjectConfig[];
}

export type RepoConfigResult = { ok: true; config: RepoConfig } | { ok: false; issues: ConfigIssue[] };

const WORKSPACE_FORBIDDEN = /[/\\\s]|\.\./;

const AutoplanSchema = z.strictObject({
  enabled: z.boolean().optional(),
  when_modified: z.array(z.string().min(1)).optional(),
});

const ProjectSchema = z
  .strictObject({
    name: z.string().min(1).optional(),
    dir: z
      .string()
      .min(1)
      .superRefine((dir, ctx) => {
        if (dir !== '' && normalizeRepoPath(dir) === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `\`dir\` must be a folder inside the repo, relative to its root; \`${dir}\` is not.`,
          });
        }
      }),
    workspace: z
      .string()
      .min(1)
      .superRefine((workspace, ctx) => {
        if (WORKSPACE_FORBIDDEN.test(workspace)) {
          ctx.addIssue({
            code: 'custom',
            message: `Workspace \`${workspace}\` is not a valid name: it may not contain \`/\`, \`\\\`, \`..\` or spaces.`,
          });
        }
      })
      .optional(),
    autoplan: AutoplanSchema.optional(),
  })
  .superRefine((project, ctx) => {
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
  });

const RepoConfigSchema = z
  .strictObject({
    version: z.literal(1),
    projects: z.array(ProjectSchema).optional(),
  })
  .superRefine((config, ctx) => {
    const names = new Map<string, number>();
    const places = new Map<string, number>();
    for (const [index, project] of (config.projects ?? []).entries()) {
      const dir = normalizeRepoPath(project.dir);
      if (dir === undefined) continue;
      const workspace = project.workspace ?? 'default';
      const name = project.name ?? defaultProjectName(dir, workspace);
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
  });

/** What each field should hold, for messages; `*` stands for a list index. */
const FIELDS: Record<string, { expected: string; missing?: string }> = {
  '': { expected: 'a map of settings, starting with `version: 1`' },
  version: { expected: 'the number 1', missing: '`version` is required; add `version: 1` at the top.' },
  projects: { expected: 'a list of projects' },
  'projects.*': { expected: 'a map with at least `dir`' },
  'projects.*.name': { expected: 'text' },
  'projects.*.dir': {
    expected: 'a folder path relative to the repo root',
    missing: 'This project has no `dir`; set it to the folder with its .tf files, relative to the repo root.',
  },
  'projects.*.workspace': { expected: 'a workspace name' },
  'projects.*.autoplan': { expected: 'a map with `enabled` and/or `when_modified`' },
  'projects.*.autoplan.enabled': { expected: '`true` or `false`' },
  'projects.*.autoplan.when_modified': { expected: 'a list of glob patterns' },
  'projects.*.autoplan.when_modified.*': { expected: 'a glob pattern' },
};

/** The keys a map at each place may hold, for unknown-key messages. */
const KEYS: Record<string, { keys: string[]; where: string }> = {
  '': { keys: Object.keys(RepoConfigSchema.shape), where: 'at the top level' },
  'projects.*': { keys: Object.keys(ProjectSchema.shape), where: 'in a project' },
  'projects.*.autoplan': { keys: Object.keys(AutoplanSchema.shape), where: 'in `autoplan`' },
};

/**
 * Parses a repo's `sluice.yaml`. The one place repo config is read: YAML syntax, then the schema, then
 * cross-field rules; every issue carries the file, line and column to fix.
 */
export function parseRepoConfig(text: string, file: string): RepoConfigResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, message: string): ConfigIssue => ({
    file,
    ...offsetPosition(lineCounter, offset),
    message,
  });

  if (doc.errors.length > 0) {
    const issues: ConfigIssue[] = [];
    for (const error of doc.errors) {
      const issue = at(error.pos[0], syntaxMessage(text, error.code, error.message, error.pos[0]));
      // One issue per line: later errors on a line are usually the parser recovering from the first.
      if (!issues.some((seen) => seen.line === issue.line)) issues.push(issue);
    }
    return { ok: false, issues };
  }
  const aliasIssue = unresolvedAlias(doc, (offset, message) => at(offset, message));
  if (aliasIssue) return { ok: false, issues: [aliasIssue] };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, issues: [at(0, `The file could not be read as YAML: ${(error as Error).message}.`)] };
  }
  if (data === null || data === undefined) {
    return { ok: false, issues: [at(0, 'The file is empty; it needs at least `version: 1`.')] };
  }

  const parsed = RepoConfigSchema.safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) =>
      toConfigIssues(issue, data, doc, lineCounter, file),
    );
    return { ok: false, issues: sortIssues(issues) };
  }
  return { ok: true, config: toRepoConfig(parsed.data) };
}

function toRepoConfig(data: z.output<typeof RepoConfigSchema>): RepoConfig {
  if (!data.projects) return { version: 1 };
  return {
    version: 1,
    projects: data.projects.map((project) => {
      const dir = normalizeRepoPath(project.dir) ?? '.';
      const workspace = project.workspace ?? 'default';
      return {
        name: project.name ?? defaultProjectName(dir, workspace),
        dir,
        workspace,
        autoplan: {
          enabled: project.autoplan?.enabled ?? true,
          whenModified: project.autoplan?.when_modified ?? [...DEFAULT_WHEN_MODIFIED],
        },
      };
    }),
  };
}

function toConfigIssues(
  issue: z.core.$ZodIssue,
  data: unknown,
  doc: Document,
  lineCounter: LineCounter,
  file: string,
): ConfigIssue[] {
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const place = (p: ConfigPath, at: 'key' | 'value' = 'value') => ({
    file,
    ...positionOf(doc, lineCounter, p, at),
  });
  if (issue.code === 'unrecognized_keys') {
    const known = KEYS[pattern(path)];
    return issue.keys.map((key) => ({
      ...place([...path, key], 'key'),
      message: unknownKeyMessage(key, known?.keys ?? [], known?.where ?? `in \`${formatPath(path)}\``),
    }));
  }
  if (issue.code === 'custom') return [{ ...place(path), message: issue.message }];

  const field = FIELDS[pattern(path)];
  const name = `\`${formatPath(path) || 'the file'}\``;
  const value = valueAt(data, path);
  let message: string;
  if (value === undefined) {
    message = field?.missing ?? `${name} is required: ${field?.expected ?? 'a value'}.`;
  } else if (issue.code === 'too_small' && typeof value === 'string') {
    message = `${name} must not be empty.`;
  } else if (path.length === 0) {
    message = `The file must hold ${FIELDS['']?.expected}, not ${describe(value)}.`;
  } else {
    message = `${name} must be ${field?.expected ?? 'something else'}, not ${describe(value)}.`;
  }
  return [{ ...place(path), message }];
}

function unknownKeyMessage(key: string, known: readonly string[], where: string): string {
  const suggestion = didYouMean(key, known);
  if (suggestion) return `Unknown key \`${key}\` ${where}. Did you mean \`${suggestion}\`?`;
  return `Unknown key \`${key}\` ${where}. Allowed: ${known.map((k) => `\`${k}\``).join(', ')}.`;
}

function syntaxMessage(text: string, code: string, message: string, offset: number): string {
  if (code === 'DUPLICATE_KEY') {
    const key = /^["']?([^"':\n]*)/.exec(text.slice(offset))?.[1]?.trim();
    if (key) return `Key \`${key}\` appears twice in the same map; keep one.`;
  }
  return `YAML syntax error: ${message.replace(/\.$/, '')}.`;
}

function unresolvedAlias(doc: Document, at: (offset: number, message: string) => ConfigIssue) {
  let issue: ConfigIssue | undefined;
  visit(doc, {
    Alias(_, node) {
      if (isAlias(node) && node.resolve(doc) === undefined) {
        issue = at(
          node.range?.[0] ?? 0,
          `Alias \`*${node.source}\` refers to an anchor that is not defined above it.`,
        );
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return issue;
}

function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `\`${value}\``;
  return `a ${typeof value}`;
}

function pattern(path: ConfigPath): string {
  return path.map((p) => (typeof p === 'number' ? '*' : p)).join('.');
}

/** `projects[0].autoplan.when_modified[2]` */
export function formatPath(path: ConfigPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
