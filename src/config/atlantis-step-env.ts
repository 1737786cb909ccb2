import type { StepContext } from './step-context.js';

/**
 * Atlantis's names for what a step knows about its run, so that `run` steps written for Atlantis
 * (`terraform show -json $PLANFILE > $SHOWFILE`, `echo $PULL_NUM`) work unchanged. Only what Sluice can
 * say truthfully: no `POLICYCHECKFILE` (no policy checks), no `ATLANTIS_PR_APPROVED` /
 * `ATLANTIS_PR_MERGEABLE` (not known when a plan runs), no `OUTPUT_STATUS_FILE` (Atlantis gives it to
 * workflow hooks, which Sluice does not have). docs/atlantis.md lists them with their meaning. Pure.
 */
export function atlantisStepVariables(context: StepContext): Record<string, string> {
  return {
    WORKSPACE: context.project.workspace,
    ATLANTIS_TERRAFORM_VERSION: context.toolVersion,
    DIR: context.projectDir,
    PLANFILE: context.planFile,
    SHOWFILE: context.showFile,
    BASE_REPO_OWNER: context.repo?.owner ?? '',
    BASE_REPO_NAME: context.repo?.name ?? '',
    HEAD_REPO_OWNER: context.headRepo?.owner ?? '',
    HEAD_REPO_NAME: context.headRepo?.name ?? '',
    HEAD_BRANCH_NAME: context.headBranch,
    HEAD_COMMIT: context.headSha,
    BASE_BRANCH_NAME: context.baseBranch,
    PROJECT_NAME: context.project.name,
    PULL_NUM: String(context.prNumber),
    PULL_URL: context.pullUrl ?? '',
    PULL_AUTHOR: context.pullAuthor ?? '',
    REPO_REL_DIR: context.project.dir,
    USER_NAME: context.user ?? '',
    COMMENT_ARGS: atlantisCommentArgs(context.commentArgs),
  };
}

/** Atlantis's form of the words after `--`: every character escaped with `\`, words joined by `,`. */
export function atlantisCommentArgs(args: readonly string[]): string {
  return args.map((arg) => [...arg].map((c) => `\\${c}`).join('')).join(',');
}
