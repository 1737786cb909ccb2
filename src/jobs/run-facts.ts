import type { PullRequest } from '../forge/types.js';
import type { RunFacts } from '../runner/terraform/run-stage.js';

/**
 * What the steps of a pull request's plan or apply are told about it (docs/repo-config.md,
 * docs/atlantis.md). The head repository is the base one unless the PR comes from a fork; a fork the
 * forge does not name leaves it unknown.
 */
export function pullRequestFacts(
  pull: PullRequest,
  run: { headSha: string; user?: string; commentArgs?: readonly string[] },
): RunFacts {
  const repo = { owner: pull.ref.repo.owner, name: pull.ref.repo.name };
  return {
    prNumber: pull.ref.number,
    headSha: run.headSha,
    baseBranch: pull.baseBranch,
    headBranch: pull.headBranch,
    user: run.user,
    commentArgs: run.commentArgs ?? [],
    repo,
    headRepo: pull.headRepo ?? (pull.fromFork ? undefined : repo),
    pullUrl: pull.url,
    pullAuthor: pull.author,
  };
}
