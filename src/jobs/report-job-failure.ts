import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { buildJobErrorView, type FailedWork } from '../comments/job-error-view.js';
import { renderJobErrorComment } from '../comments/render.js';
import { isRetryable, SluiceError } from '../errors.js';
import { ForgeRegistry } from '../forge/registry.js';
import type { CommitStatus, Forge, RepoRef } from '../forge/types.js';
import type { Job } from '../queue/jobs.js';
import type { JobContext, JobHandler } from '../queue/types.js';
import { PLAN_CONTEXT } from './plan-pull-request.js';
import { reply } from './reply.js';
import type { WorkerDeps } from './worker-deps.js';

interface StatusSet {
  forge: Forge;
  repo: RepoRef;
  sha: string;
  status: CommitStatus;
}

/** The statuses a job has set, latest per repo + commit + context: what must not stay pending if it fails. */
const jobStatuses = new AsyncLocalStorage<Map<string, StatusSet>>();

/** A registry whose forges note every commit status set during a job (see `reportingFailures`). */
export function statusNotingForges(forges: ForgeRegistry): ForgeRegistry {
  return new ForgeRegistry(
    forges.kinds.map((kind) => {
      const forge = forges.get(kind);
      return new Proxy(forge, {
        get(target, property) {
          if (property === 'setCommitStatus') {
            return async (repo: RepoRef, sha: string, status: CommitStatus) => {
              await target.setCommitStatus(repo, sha, status);
              jobStatuses
                .getStore()
                ?.set(`${repo.fullName}\n${sha}\n${status.context}`, { forge: target, repo, sha, status });
            };
          }
          const value = Reflect.get(target, property, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    }),
  );
}

/** Errors a job already told its pull request about, in words of its own (apply-gave-up.ts). */
const toldAlready = new WeakSet<object>();

/** Records that `error` has been reported on the pull request, so it is not reported twice. */
export function markReported(error: unknown): void {
  if (typeof error === 'object' && error !== null) toldAlready.add(error);
}

/** A short id for one failure, said on the PR and logged with the whole error. */
export const newErrorRef = () => `err-${randomBytes(5).toString('hex')}`;

/**
 * No silent failures: a job whose error is final (its last attempt, or an error no retry can fix) ends
 * with the pull request told — an `error` status instead of every status the job left pending (and on
 * `sluice/plan` for a plan), and a comment saying what failed, a reference id that is also in the log,
 * and what to do. A job cancelled (superseded, or the worker shutting down) is not a failure.
 */
export function reportingFailures(handler: JobHandler, deps: WorkerDeps): JobHandler {
  return async (job: Job, context: JobContext) => {
    const statuses = new Map<string, StatusSet>();
    try {
      await jobStatuses.run(statuses, () => handler(job, context));
    } catch (error) {
      if (context.signal.aborted) throw error;
      const final = context.lastAttempt || !isRetryable(error);
      const ref = newErrorRef();
      const log = deps.logger.child({
        jobId: context.id,
        kind: job.kind,
        ...('pr' in job ? { repo: job.pr.repo.fullName, pr: job.pr.number } : {}),
      });
      log.error(
        { err: error, ref, attempt: context.attempt, final },
        final ? 'job failed' : 'job failed; it will be tried again',
      );
      if (final && !(typeof error === 'object' && error !== null && toldAlready.has(error))) {
        await tellThePullRequest(deps, job, context, error, ref, statuses).catch((reportError: unknown) =>
          log.error({ err: reportError, ref }, 'could not tell the pull request about the failure'),
        );
      }
      throw error;
    }
  };
}

async function tellThePullRequest(
  deps: WorkerDeps,
  job: Job,
  context: JobContext,
  error: unknown,
  ref: string,
  statuses: Map<string, StatusSet>,
): Promise<void> {
  if (job.kind === 'reconcile') return;
  const forge = deps.forges.get(job.pr.repo.forge);
  const description = `Stopped by an error (${ref}); see the pull request comment`;
  const pending = [...statuses.values()].filter((s) => s.status.state === 'pending');
  if (job.kind === 'plan' && !pending.some((s) => s.status.context === PLAN_CONTEXT)) {
    pending.push({
      forge,
      repo: job.pr.repo,
      sha: job.headSha,
      status: { context: PLAN_CONTEXT, state: 'pending', description: '' },
    });
  }
  const said = error instanceof SluiceError ? deps.masker.mask(error.message) : undefined;
  const name = error instanceof Error ? error.name : typeof error;
  const view = buildJobErrorView(
    failedWork(deps, job),
    { message: said, name, attempts: context.attempt },
    ref,
  );
  // The comment first: the statuses point at it.
  await reply(forge, job.pr, await renderJobErrorComment(view, { templatesDir: deps.templatesDir }));
  // Per-project statuses before the summary one (`sluice/plan`), which people and tests wait for.
  pending.sort((a, b) => Number(!a.status.context.includes(':')) - Number(!b.status.context.includes(':')));
  for (const s of pending) {
    await s.forge.setCommitStatus(s.repo, s.sha, { ...s.status, state: 'error', description });
  }
}

function failedWork(deps: WorkerDeps, job: Exclude<Job, { kind: 'reconcile' }>): FailedWork {
  switch (job.kind) {
    case 'plan':
      return { kind: 'plan', headSha: job.headSha };
    case 'command':
      return { kind: 'command', command: (job.body.trim().split('\n')[0] ?? '').slice(0, 100) };
    case 'closed':
      return job.merged && deps.rules(job.pr.repo).applyMode === 'merge'
        ? { kind: 'merge-apply' }
        : { kind: 'close' };
  }
}
