import { type Document, isAlias, LineCounter, parseDocument, visit } from 'yaml';
import type { z } from 'zod';
import {
  childOf,
  enumValues,
  expectedOf,
  keysOf,
  optionsOf,
  schemaAt,
  textOf,
  typeName,
} from './config-text.js';
import { didYouMean } from './did-you-mean.js';
import { depthMessage, positionAt, sizeMessage, tooDeepAt } from './yaml-limits.js';
import { type ConfigPath, offsetPosition, positionOf } from './yaml-positions.js';

/** A problem in a config file, at the 1-based line and column the user must fix. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  message: string;
  /** Warnings describe what is ignored; they do not stop anything. Absent: an error. */
  severity?: 'warning';
}

/** Places an issue in the file: at the value at `path`, or at its key. */
export type Locate = (path: ConfigPath, message: string, at?: 'key' | 'value') => ConfigIssue;

export type YamlConfigResult<T> =
  | { ok: true; data: T; raw: unknown; locate: Locate }
  | { ok: false; issues: ConfigIssue[] };

export interface YamlConfigSpec<S extends z.ZodType> {
  schema: S;
  /** What a file must hold at least, after "it needs": "at least `version: 1`". */
  needs: string;
}

/**
 * The one way Sluice reads a YAML config file (server config, `sluice.yaml`, `atlantis.yaml`): YAML
 * syntax, aliases, then the zod schema with its cross-field rules. Every issue names the file, line and
 * column, and unknown keys get a "did you mean". Words for messages come from the schema itself
 * (see config-text.ts).
 */
export function parseYamlConfig<S extends z.ZodType>(
  text: string,
  file: string,
  spec: YamlConfigSpec<S>,
): YamlConfigResult<z.output<S>> {
  const limit = checkLimits(text, file);
  if (limit) return { ok: false, issues: [limit] };
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
  const aliasIssue = unresolvedAlias(doc, at);
  if (aliasIssue) return { ok: false, issues: [aliasIssue] };

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    return { ok: false, issues: [at(0, `The file could not be read as YAML: ${(error as Error).message}.`)] };
  }
  if (data === null || data === undefined) {
    // Comments only, or `~`: not empty, but nothing in it either.
    const what =
      text.trim() === ''
        ? 'The file is empty'
        : 'The file holds no settings (only comments or an empty value)';
    return { ok: false, issues: [at(0, `${what}; it needs ${spec.needs}.`)] };
  }

  const locate: Locate = (path, message, where = 'value') => ({
    file,
    ...positionOf(doc, lineCounter, path, where),
    message,
  });
  const parsed = spec.schema.safeParse(data);
  if (!parsed.success) {
    const issues = translate(parsed.error.issues, [], spec.schema, data, locate);
    return { ok: false, issues: sortIssues(dedupe(issues)) };
  }
  return { ok: true, data: parsed.data, raw: data, locate };
}

/** The size and nesting limits (yaml-limits.ts), checked before the YAML is composed. */
function checkLimits(text: string, file: string): ConfigIssue | undefined {
  const tooBig = sizeMessage(file, Buffer.byteLength(text, 'utf8'));
  if (tooBig) return { file, line: 1, column: 1, message: tooBig };
  const deep = tooDeepAt(text);
  if (deep !== undefined) return { file, ...positionAt(text, deep), message: depthMessage() };
  return undefined;
}

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

const pathKey = (path: readonly PropertyKey[]) => path.map(String).join('\u0000');

/** Keys a misspelt key most likely meant (`stepz` → `steps`), by the path they would have. */
function typoTargets(issues: readonly Issue[], prefix: ConfigPath, root: AnySchema): Set<string> {
  const targets = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
    const schema = schemaAt(root, path);
    for (const key of issue.keys) {
      const meant = schema ? didYouMean(key, keysOf(schema)) : undefined;
      if (meant) targets.add(pathKey([...path, meant]));
    }
  }
  return targets;
}

/** A required key reported missing because it was misspelt: the unknown-key message says it all. */
function isMissingTypoTarget(issue: Issue, prefix: ConfigPath, data: unknown, typos: Set<string>): boolean {
  const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  return issue.code === 'invalid_type' && valueAt(data, path) === undefined && typos.has(pathKey(path));
}

/** zod's issues (relative to `prefix`) as messages, leaving out what a did-you-mean already explains. */
function translate(
  issues: readonly Issue[],
  prefix: ConfigPath,
  root: AnySchema,
  data: unknown,
  locate: Locate,
): ConfigIssue[] {
  const typos = typoTargets(issues, prefix, root);
  return issues
    .filter((issue) => !isMissingTypoTarget(issue, prefix, data, typos))
    .flatMap((issue) => toMessages(issue, prefix, root, data, locate));
}

function toMessages(
  issue: Issue,
  prefix: ConfigPath,
  root: AnySchema,
  data: unknown,
  locate: Locate,
): ConfigIssue[] {
  const path = [...prefix, ...issue.path.filter((p): p is string | number => typeof p !== 'symbol')];
  const schema = schemaAt(root, path);
  const value = valueAt(data, path);
  const name = `\`${formatPath(path) || 'the file'}\``;

  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) =>
      locate(
        [...path, key],
        unknownKeyMessage(key, schema ? keysOf(schema) : [], whereOf(schema, path)),
        'key',
      ),
    );
  }
  if (issue.code === 'custom') {
    const at = (issue.params as { at?: 'key' | 'value' } | undefined)?.at;
    return [locate(path, issue.message, at)];
  }
  if (issue.code === 'invalid_union' && schema) {
    const branch = unionBranch(issue, schema, value, path, root, data, locate);
    if (branch) return branch;
  }
  if (value === undefined) {
    const text = schema ? textOf(schema) : {};
    return [locate(path, text.missing ?? `${name} is required: ${expectedOf(schema)}.`)];
  }
  if (issue.code === 'too_small' && typeof value === 'string')
    return [locate(path, `${name} must not be empty.`)];
  if (issue.code === 'too_small' && Array.isArray(value))
    return [locate(path, `${name} must not be an empty list.`)];
  if (issue.code === 'too_small' && typeof value === 'number')
    return [locate(path, `${name} must be at least ${String(issue.minimum)}, not the number ${value}.`)];
  if (issue.code === 'too_big' && typeof value === 'number')
    return [locate(path, `${name} must be at most ${String(issue.maximum)}, not the number ${value}.`)];
  if (path.length === 0) {
    return [locate(path, `The file must hold ${expectedOf(schema)}, not ${describe(value)}.`)];
  }
  let message = `${name} must be ${expectedOf(schema)}, not ${describe(value)}.`;
  const values = schema && typeName(schema) === 'enum' ? enumValues(schema) : undefined;
  if (values && typeof value === 'string') {
    const close = didYouMean(value, values);
    if (close) message += ` Did you mean \`${close}\`?`;
  }
  return [locate(path, message)];
}

/**
 * A value that matches none of a union's options. A map with one key (`- run: …`, `- plan: {…}`) is
 * judged by the option that has that key; a string by the option that lists strings.
 */
function unionBranch(
  issue: Extract<Issue, { code: 'invalid_union' }>,
  schema: AnySchema,
  value: unknown,
  path: ConfigPath,
  root: AnySchema,
  data: unknown,
  locate: Locate,
): ConfigIssue[] | undefined {
  const options = optionsOf(schema);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const index = options.findIndex(
      (o) => typeName(o) === 'object' && keys.length > 0 && keys.every((k) => childOf(o, k) !== undefined),
    );
    const errors = index >= 0 ? issue.errors[index] : undefined;
    if (errors) return translate(errors, path, root, data, locate);
    const mapOptions = options.filter((o) => typeName(o) === 'object');
    const known = mapOptions.flatMap(keysOf);
    const unknown = keys.find((k) => !known.includes(k));
    if (mapOptions.length > 0 && unknown !== undefined) {
      return [locate([...path, unknown], unknownKeyMessage(unknown, known, whereOf(schema, path)), 'key')];
    }
  }
  if (typeof value === 'string') {
    const index = options.findIndex((o) => enumValues(o) !== undefined);
    const errors = index >= 0 ? issue.errors[index] : undefined;
    const option = index >= 0 ? options[index] : undefined;
    if (errors && option) {
      const name = `\`${formatPath(path)}\``;
      let message = `${name} must be ${expectedOf(schema)}, not ${describe(value)}.`;
      const close = didYouMean(value, enumValues(option) ?? []);
      if (close) message += ` Did you mean \`${close}\`?`;
      return [locate(path, message)];
    }
  }
  return undefined;
}

function whereOf(schema: AnySchema | undefined, path: ConfigPath): string {
  const where = schema ? textOf(schema).where : undefined;
  if (where) return where;
  return path.length === 0 ? 'at the top level' : `in \`${formatPath(path)}\``;
}

export function unknownKeyMessage(key: string, known: readonly string[], where: string): string {
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

export function valueAt(data: unknown, path: ConfigPath): unknown {
  let value = data;
  for (const segment of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string | number, unknown>)[segment];
  }
  return value;
}

export function describe(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  if (typeof value === 'string')
    return `the text ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return `the number ${value}`;
  if (typeof value === 'boolean') return `\`${value}\``;
  return `a ${typeof value}`;
}

/** `projects[0].autoplan.when_modified[2]` */
export function formatPath(path: ConfigPath): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

export function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}

function dedupe(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.line}:${i.column}:${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `file:line:column: message`, the form editors and the CLI print. */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column}: ${issue.severity === 'warning' ? 'warning: ' : ''}${issue.message}`;
}
