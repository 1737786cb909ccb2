import type { RepoConfig } from './repo-config.js';
import { parseRepoConfigFile } from './repo-config-file.js';
import type { ApplyRequirement, LockMode, RepoRules } from './rules.js';
import type { ConfigIssue } from './yaml-config.js';

/**
 * The rules that decide what must hold before a plan or apply runs, and how: from the server config,
 * overridden only where `allowed_overrides` allows it by the repo config on the repository's DEFAULT
 * branch — never by the pull request's own `sluice.yaml`, which its author controls, nor by the copy on
 * the branch it targets.
 */
export interface ApplyRules {
  applyRequirementsFor(project: { name: string }): ApplyRequirement[];
  planRequirementsFor(project: { name: string }): ApplyRequirement[];
  lockMode: LockMode;
  automerge: boolean;
  /** Where the overrides came from (`sluice.yaml` on the default branch), if anywhere. */
  source?: string;
  /** Problems in the default branch's config: it is then ignored and the server's rules alone apply. */
  issues: ConfigIssue[];
}

/** Pure: the server's rules with the default branch's repo config (its file name and text) on top. */
export function resolveApplyRules(rules: RepoRules, base?: { file: string; text: string }): ApplyRules {
  const serverOnly: ApplyRules = {
    applyRequirementsFor: () => [...rules.applyRequirements],
    planRequirementsFor: () => [...rules.planRequirements],
    lockMode: rules.lockMode,
    automerge: rules.automerge,
    issues: [],
  };
  if (!base) return serverOnly;
  const parsed = parseRepoConfigFile(base.text, base.file, { rules });
  if (!parsed.ok) return { ...serverOnly, issues: parsed.issues };
  return fromConfig(rules, parsed.config, base.file);
}

function fromConfig(rules: RepoRules, config: RepoConfig, file: string): ApplyRules {
  const allowed = new Set(rules.allowedOverrides);
  const project = (name: string) => config.projects?.find((p) => p.name === name);
  return {
    applyRequirementsFor: ({ name }) => {
      const own = allowed.has('apply_requirements') ? project(name)?.applyRequirements : undefined;
      return [...(own ?? rules.applyRequirements)];
    },
    planRequirementsFor: ({ name }) => {
      const own = allowed.has('plan_requirements') ? project(name)?.planRequirements : undefined;
      return [...(own ?? rules.planRequirements)];
    },
    lockMode: (allowed.has('lock_mode') ? config.lockMode : undefined) ?? rules.lockMode,
    automerge: config.automerge ?? rules.automerge,
    source: file,
    issues: [],
  };
}
