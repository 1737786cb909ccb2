import type { Forge, PullRequest } from '../forge/types.js';
import type { Checkout } from '../runner/git-mirror.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * The commit whose repo config holds the rules for planning and applying a pull request (requirements,
 * lock mode, apply order): the head of the repository's default branch, whichever branch the pull
 * request targets, so a PR into `release` is held to `main`'s rules and not to a looser copy on
 * `release`; never the PR's own head. A PR merged into the default branch has put its own config there,
 * so its rules come from its base commit, the default branch before its changes.
 */
export async function rulesCommit(
  forge: Pick<Forge, 'getDefaultBranch'>,
  pull: PullRequest,
): Promise<string> {
  const branch = await forge.getDefaultBranch(pull.ref.repo);
  return pull.state === 'merged' && pull.baseBranch === branch.name ? pull.baseSha : branch.sha;
}

/** A checkout of rulesCommit; the caller disposes it. */
export async function checkoutRulesCommit(
  deps: Pick<WorkerDeps, 'mirrors'>,
  forge: Forge,
  pull: PullRequest,
  signal: AbortSignal,
): Promise<Checkout> {
  const sha = await rulesCommit(forge, pull);
  return deps.mirrors.checkout(pull.ref.repo, await forge.cloneAccess(pull.ref.repo), sha, { signal });
}
