import type { ForgeRegistry } from '../forge/registry.js';
import type { Logger } from '../logger.js';
import type { Job } from '../queue/jobs.js';
import type { JobHandler } from '../queue/types.js';
import type { createRulesSource } from './rules-source.js';

/**
 * Drops jobs the server config says Sluice must not do, before any checkout: every job of a repository
 * no rule allows (one log line each), and autoplans the repository's rules turn off (`autoplan: false`,
 * or `drafts: skip` for a draft pull request). Reconciliation only releases locks and always runs.
 */
export function gateJobs(
  handler: JobHandler,
  deps: { rules: ReturnType<typeof createRulesSource>; forges: ForgeRegistry; logger: Logger },
): JobHandler {
  return async (job, context) => {
    const skip = await reasonToSkip(job, deps);
    if (skip) {
      deps.logger.info({ jobId: context.id, kind: job.kind, ...skip.fields }, skip.message);
      return;
    }
    return handler(job, context);
  };
}

async function reasonToSkip(
  job: Job,
  deps: { rules: ReturnType<typeof createRulesSource>; forges: ForgeRegistry },
): Promise<{ message: string; fields: Record<string, unknown> } | undefined> {
  if (job.kind === 'reconcile') return undefined;
  const { rules, id, matched } = deps.rules.explain(job.pr.repo);
  if (!rules.allowed) {
    return {
      message: 'ignoring the repository: no repo rule in the server config allows it',
      fields: { repo: id, matchedRules: matched },
    };
  }
  if (job.kind !== 'plan' || job.trigger !== 'autoplan') return undefined;
  if (!rules.autoplan) return { message: 'autoplan is off for this repository', fields: { repo: id } };
  if (rules.drafts === 'skip') {
    const pull = await deps.forges.get(job.pr.repo.forge).getPullRequest(job.pr);
    if (pull.draft) {
      return { message: 'not planning a draft pull request', fields: { repo: id, pr: job.pr.number } };
    }
  }
  return undefined;
}
