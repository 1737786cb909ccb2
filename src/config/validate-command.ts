import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ATLANTIS_CONFIG_FILE, parseAtlantisConfig } from './atlantis-config.js';
import { parseRepoConfig, REPO_CONFIG_FILES } from './repo-config.js';
import { ALL_REPO_CONFIG_FILES } from './repo-config-file.js';
import { defaultRules, type RepoRules } from './rules.js';
import { resolveRules } from './rules-source.js';
import { loadServerConfig, parseServerConfig, SERVER_CONFIG_FILES } from './server-config.js';
import { type ConfigIssue, formatIssue } from './yaml-config.js';

export type ConfigKind = 'server' | 'repo' | 'atlantis';

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** What kind of config a file is, from its name, else its text. */
export function detectKind(file: string, text: string): ConfigKind {
  const name = basename(file);
  if (name === ATLANTIS_CONFIG_FILE) return 'atlantis';
  if ((REPO_CONFIG_FILES as readonly string[]).includes(name)) return 'repo';
  if ((SERVER_CONFIG_FILES as readonly string[]).includes(name)) return 'server';
  if (/^repos\s*:/m.test(text)) return 'server';
  if (/^version\s*:\s*3\s*$/m.test(text)) return 'atlantis';
  return 'repo';
}

/** The issues of one config text (warnings included, marked as such). */
export function validateConfigText(
  text: string,
  file: string,
  kind: ConfigKind,
  rules?: RepoRules,
): ConfigIssue[] {
  if (kind === 'server') {
    const result = parseServerConfig(text, file);
    return result.ok ? [] : result.issues;
  }
  const result =
    kind === 'atlantis' ? parseAtlantisConfig(text, file, { rules }) : parseRepoConfig(text, file, { rules });
  return result.ok ? (result.warnings ?? []) : result.issues;
}

export interface ValidateOptions {
  kind?: ConfigKind;
  serverConfig?: string;
  repo?: string;
}

/**
 * `sluice config validate [path]` (its options parsed by the CLI): prints every problem as
 * file:line:column: message and returns the exit code: 0 valid, 1 invalid, 2 usage error.
 */
export function validateConfigFile(
  given: string | undefined,
  options: ValidateOptions,
  io: CommandIo,
): number {
  if ((options.serverConfig === undefined) !== (options.repo === undefined)) {
    io.err('sluice config validate: --server-config and --repo go together');
    return 2;
  }
  const path =
    given ?? ALL_REPO_CONFIG_FILES.find((f) => existsSync(resolve(io.cwd, f))) ?? io.env.SLUICE_CONFIG;
  if (!path) {
    io.err('sluice config validate: no file given and none found here (run `sluice config validate --help`)');
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    io.err(`sluice config validate: cannot read ${path}: ${(error as Error).message}`);
    return 2;
  }
  const kind = options.kind ?? detectKind(path, text);
  let rules: RepoRules | undefined;
  if (options.serverConfig && options.repo) {
    try {
      const server = loadServerConfig(resolve(io.cwd, options.serverConfig));
      rules = resolveRules(defaultRules(), server, options.repo).rules;
    } catch (error) {
      io.err(`sluice config validate: ${(error as Error).message}`);
      return 1;
    }
  }
  const issues = validateConfigText(text, path, kind, rules);
  for (const issue of issues) io.out(formatIssue(issue));
  const errors = issues.filter((i) => i.severity !== 'warning').length;
  const label = kind === 'server' ? 'server config' : kind === 'atlantis' ? 'atlantis.yaml' : 'repo config';
  if (errors > 0) {
    io.err(`${path}: invalid ${label} (${errors} error${errors === 1 ? '' : 's'})`);
    return 1;
  }
  io.err(
    `${path}: valid ${label}${issues.length ? ` (${issues.length} warning${issues.length === 1 ? '' : 's'})` : ''}`,
  );
  return 0;
}
