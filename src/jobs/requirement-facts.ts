import type { ApplyRequirement } from '../config/rules.js';
import type { Forge, PullRequest } from '../forge/types.js';
import { discoverProjects } from '../projects/discover.js';
import type { Checkout } from '../runner/git-mirror.js';
import type { RequirementFacts } from './apply-requirements.js';
import { loadRepoConfig } from './load-repo-config.js';

/** Sluice's own statuses never block its own plan or apply. */
export const isSluiceContext = (context: string) => context.startsWith('sluice/');

interface ProjectPlace {
  name: string;
  dir: string;
  workspace: string;
}

/**
 * Asks the forge and the checkout only what the `required` requirements need: approvals, mergeability,
 * and which of `projects` the base branch changed since the PR branched off.
 */
export async function requirementFacts(
  forge: Forge,
  pull: PullRequest,
  checkout: Checkout,
  projects: readonly ProjectPlace[],
  required: ReadonlySet<ApplyRequirement>,
): Promise<RequirementFacts> {
  return {
    author: pull.author,
    changeRequest: forge.capabilities.changeRequest,
    headSha: pull.headSha,
    approvals: required.has('approved') ? await forge.listApprovals(pull.ref) : [],
    mergeability: required.has('mergeable')
      ? await forge.getMergeability(pull.ref, isSluiceContext)
      : undefined,
    divergedProjects: required.has('undiverged') ? await diverged(checkout, pull, projects) : undefined,
  };
}

/** Names of projects whose files the base branch changed since the PR branched off. */
export async function diverged(
  checkout: Checkout,
  pull: PullRequest,
  projects: readonly ProjectPlace[],
): Promise<string[]> {
  const changed = await checkout.changedOnBase(pull.baseSha);
  if (changed.length === 0) return [];
  const loaded = await loadRepoConfig(checkout);
  if (!loaded.ok) return projects.map((p) => p.name);
  const affected = discoverProjects({
    changedFiles: changed,
    repoFiles: loaded.repoFiles,
    readFile: loaded.read,
    config: loaded.config,
  });
  return projects
    .filter((p) => affected.some((a) => a.dir === p.dir && a.workspace === p.workspace))
    .map((p) => p.name);
}
