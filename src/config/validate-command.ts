import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ATLANTIS_CONFIG_FILE, parseAtlantisConfig } from './atlantis-config.js';
import { parseRepoConfig, REPO_CONFIG_FILES } from './repo-config.js';
import { ALL_REPO_CONFIG_FILES } from './repo-config-file.js';
import { defaultRules, type RepoRules } from './rules.js';
import { resolveRules } from './rules-source.js';
import { loadServerConfig, parseServerConfig, SERVER_CONFIG_FILES } from './server-config.js';
import { type ConfigIssue, formatIssue } from './yaml-config.js';

export type ConfigKind = 'server' | 'repo' | 'atlantis';

export const CONFIG_VALIDATE_USAGE = `Usage: sluice config validate [path] [--kind server|repo|atlantis] [--server-config file --repo id]

Checks a server config (SLUICE_CONFIG), a sluice.yaml or an atlantis.yaml and prints every problem as
file:line:column: message. The kind comes from the file name (sluice.yaml, sluice.yml, atlantis.yaml,
sluice-server.yaml), else from the content (a top-level \`repos\` is a server config), unless --kind says.
Without a path: the repo config in this folder, else $SLUICE_CONFIG.
With --server-config and --repo (an id like github.com/acme/infra), a repo config is also checked
against that repository's rules: allowed_overrides, allowed_workflows, allow_custom_workflows.
Exit code: 0 valid (warnings may be printed), 1 invalid, 2 usage error.`;

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

/** `sluice config validate …`; returns the exit code. */
export function runConfigCommand(args: string[], io: CommandIo): number {
  const [sub, ...rest] = args;
  if (sub !== 'validate') {
    io.err(
      sub ? `sluice config: unknown subcommand "${sub}"\n\n${CONFIG_VALIDATE_USAGE}` : CONFIG_VALIDATE_USAGE,
    );
    return 2;
  }
  let values: { kind?: string; 'server-config'?: string; repo?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        kind: { type: 'string' },
        'server-config': { type: 'string' },
        repo: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    io.err(`sluice config validate: ${(error as Error).message}\n\n${CONFIG_VALIDATE_USAGE}`);
    return 2;
  }
  if (values.help) {
    io.out(CONFIG_VALIDATE_USAGE);
    return 0;
  }
  if (values.kind !== undefined && !['server', 'repo', 'atlantis'].includes(values.kind)) {
    io.err(`sluice config validate: --kind takes server, repo or atlantis, not "${values.kind}"`);
    return 2;
  }
  if ((values['server-config'] === undefined) !== (values.repo === undefined)) {
    io.err('sluice config validate: --server-config and --repo go together');
    return 2;
  }
  if (positionals.length > 1) {
    io.err(`sluice config validate: one file at a time\n\n${CONFIG_VALIDATE_USAGE}`);
    return 2;
  }
  const path =
    positionals[0] ??
    ALL_REPO_CONFIG_FILES.find((f) => existsSync(resolve(io.cwd, f))) ??
    io.env.SLUICE_CONFIG;
  if (!path) {
    io.err(`sluice config validate: no file given and none found here\n\n${CONFIG_VALIDATE_USAGE}`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(resolve(io.cwd, path), 'utf8');
  } catch (error) {
    io.err(`sluice config validate: cannot read ${path}: ${(error as Error).message}`);
    return 2;
  }
  const kind = (values.kind as ConfigKind | undefined) ?? detectKind(path, text);
  let rules: RepoRules | undefined;
  if (values['server-config'] && values.repo) {
    try {
      const server = loadServerConfig(resolve(io.cwd, values['server-config']));
      rules = resolveRules(defaultRules(), server, values.repo).rules;
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
