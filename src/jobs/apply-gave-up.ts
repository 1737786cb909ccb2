import { isRetryable } from '../errors.js';
import type { Forge, PullRequestRef } from '../forge/types.js';
import type { Logger } from '../logger.js';
import type { JobContext } from '../queue/types.js';
import { prKey } from '../store/keys.js';
import { AttemptTakenOver } from './apply-attempt.js';
import { GIVEN_UP, staleAfterMs } from './apply-journal.js';
import { projectContext } from './plan-pull-request.js';
import { recoveryText } from './recovery-messages.js';
import { reply } from './reply.js';
import { markReported } from './report-job-failure.js';
import type { WorkerDeps } from './worker-deps.js';

const APPLY_CONTEXT = 'sluice/apply';
/** Abandoned attempts one reconciliation reports at most (each costs a few forge requests). */
export const ABANDONED_PER_PASS = 20;

/**
 * Turns an apply nobody will finish into a final state: `sluice/apply` statuses `error` (the project's
 * own, or every planned project's) and a comment with the reference id, which is also in the log.
 */
export async function reportApplyGaveUp(
  deps: WorkerDeps,
  forge: Forge,
  pr: PullRequestRef,
  ref: string,
  log: Logger,
  projects?: string[],
): Promise<void> {
  log.error({ ref, projects }, 'apply not finished: its worker stopped and no retry is left');
  const state = await deps.store.pulls.get(prKey(pr));
  const pull = await forge.getPullRequest(pr);
  const sha = pull.state === 'merged' && pull.mergeCommitSha ? pull.mergeCommitSha : pull.headSha;
  const description = `Apply not finished: its worker stopped (ref ${ref})`;
  const named = (state?.projects ?? []).filter(
    (p) => p.status === 'planned' && !p.applied && (!projects || projects.includes(p.name)),
  );
  for (const project of named) {
    await forge.setCommitStatus(pr.repo, sha, {
      context: projectContext(APPLY_CONTEXT, project),
      state: 'error',
      description,
      targetUrl: deps.publicUrl,
    });
  }
  await forge.setCommitStatus(pr.repo, sha, {
    context: APPLY_CONTEXT,
    state: 'error',
    description,
    targetUrl: deps.publicUrl,
  });
  await reply(forge, pr, recoveryText.gaveUp(ref));
}

/** Runs an apply; when it fails for good (no retry follows), the PR is told and no status stays pending. */
export async function finalOnFailure(
  deps: WorkerDeps,
  forge: Forge,
  pr: PullRequestRef,
  context: JobContext,
  log: Logger,
  run: () => Promise<void>,
): Promise<void> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AttemptTakenOver) {
      // Presumed dead and replaced: the retry that took over reports. Nothing more here.
      log.warn({ err: error }, 'apply attempt taken over by a retry; not reporting from this worker');
      return;
    }
    if (context.lastAttempt || !isRetryable(error)) {
      await reportApplyGaveUp(deps, forge, pr, context.id, log).then(
        () => markReported(error),
        (reportError: unknown) => log.error({ err: reportError }, 'could not report the unfinished apply'),
      );
    }
    throw error;
  }
}

/**
 * Apply attempts whose worker stopped renewing them long ago (past every retry a lease allows) and that
 * were never reported: a final status and a comment each. The next `sluice apply` recovers them.
 */
export async function settleAbandonedApplies(deps: WorkerDeps, ref: string, log: Logger): Promise<number> {
  const staleMs = staleAfterMs(deps.jobLeaseMs ?? 60_000);
  let settled = 0;
  for (const attempt of await deps.store.applies.unfinished(ABANDONED_PER_PASS * 5)) {
    if (settled >= ABANDONED_PER_PASS) break;
    if (attempt.heartbeatAt === GIVEN_UP || Date.now() - Date.parse(attempt.heartbeatAt) <= staleMs) continue;
    const state = await deps.store.pulls.get(attempt.prKey);
    // Marked first (only one reconciler wins), then reported.
    if (!(await deps.store.applies.update({ ...attempt, heartbeatAt: GIVEN_UP }))) continue;
    if (!state) continue;
    const forge = deps.forges.get(state.pr.repo.forge);
    await reportApplyGaveUp(deps, forge, state.pr, `${ref}/${attempt.attemptId}`, log, [
      attempt.project,
    ]).catch((error: unknown) => log.error({ err: error }, 'could not report an abandoned apply'));
    settled++;
  }
  return settled;
}
