import type { RepoRef } from '../forge/types.js';
import { DEFAULT_REQUIREMENTS, type RepoRules, type RulesSource } from './rules.js';
import type { RulePatch, ServerConfig } from './server-config.js';

/**
 * A repository's id in the server config: `<forge host>/<full name>`, as Atlantis writes it
 * (`github.com/acme/infra`, `gitlab.example.com/group/sub/project`).
 */
export function repoId(repo: RepoRef, hostOf: (forge: string) => string): string {
  return `${hostOf(repo.forge)}/${repo.fullName}`;
}

export interface ResolvedRules {
  rules: RepoRules;
  /** The repo's id and the labels of the rules that matched, for the log line of an ignored repo. */
  id: string;
  matched: string[];
}

/**
 * The rules for one repository: the environment's defaults, then every matching repo rule of the
 * server config in file order, key by key (`permissions` and `sandbox` one level deeper). With a
 * server config, a repository is ignored unless a matching rule says `allowed: true`.
 */
export function resolveRules(base: RepoRules, config: ServerConfig | undefined, id: string): ResolvedRules {
  if (!config) return { rules: base, id, matched: [] };
  let rules: RepoRules = { ...base, allowed: false, workflows: { ...config.workflows } };
  let requirementsSet = false;
  const matched: string[] = [];
  for (const rule of config.repos) {
    if (!rule.matches(id)) continue;
    matched.push(rule.label);
    requirementsSet ||= rule.set.applyRequirements !== undefined;
    rules = applyPatch(rules, rule.set, requirementsSet);
  }
  return { rules, id, matched };
}

export function applyPatch(rules: RepoRules, patch: RulePatch, requirementsSet: boolean): RepoRules {
  const { permissions, sandbox, ...flat } = patch;
  const next: RepoRules = { ...rules };
  for (const [key, value] of Object.entries(flat)) {
    if (value !== undefined) (next as unknown as Record<string, unknown>)[key] = value;
  }
  // Switching the apply mode brings that mode's default requirements, unless someone chose them.
  if (
    patch.applyMode &&
    patch.applyMode !== rules.applyMode &&
    !requirementsSet &&
    sameSet(rules.applyRequirements, DEFAULT_REQUIREMENTS[rules.applyMode])
  ) {
    next.applyRequirements = [...DEFAULT_REQUIREMENTS[patch.applyMode]];
  }
  if (permissions) next.permissions = { ...rules.permissions, ...permissions };
  if (sandbox) next.sandbox = { ...rules.sandbox, ...sandbox };
  return next;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/** The `RulesSource` the composition root injects; lookups are cached per repository id. */
export function createRulesSource(options: {
  base: RepoRules;
  config?: ServerConfig;
  hostOf: (forge: string) => string;
}): RulesSource & { explain(repo: RepoRef): ResolvedRules } {
  const cache = new Map<string, ResolvedRules>();
  const explain = (repo: RepoRef) => {
    const id = repoId(repo, options.hostOf);
    let found = cache.get(id);
    if (!found) {
      found = resolveRules(options.base, options.config, id);
      cache.set(id, found);
    }
    return found;
  };
  const source = (repo: RepoRef) => explain(repo).rules;
  return Object.assign(source, { explain });
}
