import { parseCommand } from '../commands/parse-command.js';
import { kindMarker, planMarker } from '../comments/markers.js';
import { renderNotice } from '../comments/render.js';
import type { createRulesSource } from '../config/rules-source.js';
import type { ForgeRegistry } from '../forge/registry.js';
import type { Forge, PullRequestRef } from '../forge/types.js';
import type { Logger } from '../logger.js';
import type { JobHandler } from '../queue/types.js';
import type { SandboxProblem } from '../runner/sandbox.js';
import { APPLY_CONTEXT } from './apply-pull-request.js';
import { PLAN_CONTEXT } from './plan-pull-request.js';
import { publishComment } from './publish-comment.js';
import type { WorkerDeps } from './worker-deps.js';

interface RequireSandboxDeps {
  /** Undefined: the sandbox works, every job goes on. */
  problem: SandboxProblem | undefined;
  forges: ForgeRegistry;
  rules: ReturnType<typeof createRulesSource>;
  store: Pick<WorkerDeps['store'], 'comments'>;
  logger: Logger;
  appName?: string;
  templatesDir?: string;
}

/**
 * Fail closed: while the sandbox cannot isolate pull-request code, jobs that would run it (a plan, an
 * apply, a rollback, an apply on merge) run nothing; the pull request gets a failed `sluice/plan` or
 * `sluice/apply` status and a comment naming the cause and the fix. Everything else (a close releasing
 * locks, reconciliation, help) goes on.
 */
export function requireSandbox(handler: JobHandler, deps: RequireSandboxDeps): JobHandler {
  const { problem } = deps;
  if (!problem) return handler;
  return async (job, context) => {
    if (job.kind === 'reconcile') return handler(job, context);
    const forge = deps.forges.get(job.pr.repo.forge);
    const rules = deps.rules(job.pr.repo);
    let action: 'plan' | 'apply' | undefined;
    let sha: string | undefined;
    if (job.kind === 'plan') {
      action = 'plan';
      sha = job.headSha;
    } else if (job.kind === 'closed') {
      if (job.merged && rules.applyMode === 'merge') {
        action = 'apply';
        sha = job.mergeSha ?? job.headSha;
      }
    } else if (job.kind === 'command') {
      const parsed = parseCommand(job.body, { appName: deps.appName, atlantisAlias: rules.atlantisAlias });
      const name = parsed.kind === 'command' ? parsed.command.name : undefined;
      if (name === 'plan') action = 'plan';
      else if (name === 'apply' || name === 'rollback') action = 'apply';
      if (action) {
        sha = (await forge.getPullRequest(job.pr)).headSha;
        await forge.react(job.pr, job.commentId, 'refused');
      }
    }
    if (!action || !sha) return handler(job, context);
    deps.logger.error(
      {
        jobId: context.id,
        kind: job.kind,
        repo: job.pr.repo.fullName,
        pr: job.pr.number,
        cause: problem.cause,
      },
      `not running the ${action}: the sandbox is unavailable`,
    );
    await tellPullRequest(forge, job.pr, sha, action, problem, deps);
  };
}

async function tellPullRequest(
  forge: Forge,
  pr: PullRequestRef,
  sha: string,
  action: 'plan' | 'apply',
  problem: SandboxProblem,
  deps: RequireSandboxDeps,
): Promise<void> {
  const body = await renderNotice(
    'sandbox-unavailable',
    {
      done: action === 'plan' ? 'planned' : 'applied',
      cause: problem.cause,
      fix: problem.fix,
      command: `${deps.appName ?? 'sluice'} ${action}`,
    },
    deps.templatesDir,
  );
  if (action === 'plan') {
    // In place of the plan comment: one comment however many pushes arrive meanwhile.
    const marker = planMarker(pr);
    await publishComment({
      forge,
      pr,
      kind: 'plan',
      marker,
      parts: [`${marker}\n${body}`],
      ids: deps.store.comments,
    });
  } else {
    await forge.createComment(pr, `${kindMarker('reply')}\n${body}`);
  }
  // Last: a finished status means the comment saying why is there.
  await forge.setCommitStatus(pr.repo, sha, {
    context: action === 'plan' ? PLAN_CONTEXT : APPLY_CONTEXT,
    state: 'failure',
    description: `Not ${action === 'plan' ? 'planned' : 'applied'}: Sluice's sandbox is unavailable; see the comment`,
  });
}
