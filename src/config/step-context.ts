/** What a workflow step knows about the run it is part of (documented in docs/repo-config.md). */
export interface StepContext {
  project: { name: string; dir: string; workspace: string };
  /** Absolute paths inside the sandbox. */
  repoRoot: string;
  projectDir: string;
  planFile: string;
  /** The plan as JSON (`show -json`): written after the `plan` step; in an apply, the reviewed plan's. */
  showFile: string;
  /** The OpenTofu/Terraform version the steps run. */
  toolVersion: string;
  prNumber: number;
  headSha: string;
  baseBranch: string;
  headBranch: string;
  /** Who commented the command; absent for autoplans and merges. */
  user?: string;
  /** The words after `--` in the comment. */
  commentArgs: readonly string[];
  /** The repository the pull request merges into; absent outside a pull request (`sluice plan` locally). */
  repo?: RepoName;
  /** The repository of the head branch; absent when the forge does not name it (a fork on GitLab). */
  headRepo?: RepoName;
  pullUrl?: string;
  pullAuthor?: string;
}

/** A repository as Atlantis names it: `owner` is everything before the last `/` (GitLab: the namespace). */
export interface RepoName {
  owner: string;
  name: string;
}
