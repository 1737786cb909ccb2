import { didYouMean } from './did-you-mean.js';
import { DEFAULT_WORKFLOW, type OverridableKey, type RepoRules } from './rules.js';
import type { ConfigIssue, Locate } from './yaml-config.js';
import type { ConfigPath } from './yaml-positions.js';

/** Where each restricted key sits in a repo config file (sluice.yaml and atlantis.yaml differ). */
export interface OverridePaths {
  lockMode: ConfigPath;
  workflows: ConfigPath;
  project: (index: number, key: 'workflow' | 'apply_requirements' | 'plan_requirements') => ConfigPath;
}

/** The keys of a repo config (sluice.yaml or atlantis.yaml, parsed) that only the server may allow. */
export interface OverridableConfig {
  lockMode?: unknown;
  workflows?: Record<string, unknown>;
  projects?: ReadonlyArray<{ applyRequirements?: unknown; planRequirements?: unknown; workflow?: string }>;
}

/**
 * What a repo config sets that its server rules do not let it set. Refused, never silently dropped:
 * a requirement someone wrote down and Sluice ignored would be worse than a clear error.
 */
export function checkOverrides(
  config: OverridableConfig,
  rules: RepoRules,
  locate: Locate,
  paths: OverridePaths,
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const allowed = new Set<OverridableKey>(rules.allowedOverrides);
  const refuse = (key: OverridableKey, path: ConfigPath) => {
    const written = String(path.at(-1));
    issues.push(
      locate(
        path,
        `This repository may not set \`${written}\`: the server config decides it. Remove it, or ask a Sluice admin to add \`${key}\` to \`allowed_overrides\` for this repository.`,
        'key',
      ),
    );
  };

  if (config.lockMode !== undefined && !allowed.has('lock_mode')) refuse('lock_mode', paths.lockMode);
  const custom = Object.keys(config.workflows ?? {});
  if (config.workflows && !rules.allowCustomWorkflows) {
    issues.push(
      locate(
        paths.workflows,
        'This repository may not define its own workflows: they would run its commands on the Sluice server. Remove `workflows`, or ask a Sluice admin to set `allow_custom_workflows: true` for this repository.',
        'key',
      ),
    );
  }
  for (const [index, project] of (config.projects ?? []).entries()) {
    if (project.applyRequirements !== undefined && !allowed.has('apply_requirements'))
      refuse('apply_requirements', paths.project(index, 'apply_requirements'));
    if (project.planRequirements !== undefined && !allowed.has('plan_requirements'))
      refuse('plan_requirements', paths.project(index, 'plan_requirements'));
    if (project.workflow === undefined) continue;
    const path = paths.project(index, 'workflow');
    if (!allowed.has('workflow')) {
      refuse('workflow', path);
      continue;
    }
    const usable = rules.allowCustomWorkflows ? custom : [];
    const known = [DEFAULT_WORKFLOW, ...Object.keys(rules.workflows), ...usable];
    if (!known.includes(project.workflow)) {
      const close = didYouMean(project.workflow, known);
      issues.push(
        locate(
          path,
          `Workflow \`${project.workflow}\` is not defined.${close ? ` Did you mean \`${close}\`?` : ` Defined: ${known.map((k) => `\`${k}\``).join(', ')}.`}`,
        ),
      );
    } else if (
      rules.allowedWorkflows &&
      !usable.includes(project.workflow) &&
      !rules.allowedWorkflows.includes(project.workflow)
    ) {
      issues.push(
        locate(
          path,
          `Workflow \`${project.workflow}\` is not allowed for this repository. Allowed: ${rules.allowedWorkflows.map((k) => `\`${k}\``).join(', ') || 'none'}.`,
        ),
      );
    }
  }
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}
