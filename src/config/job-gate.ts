import { parseCommand } from '../commands/parse-command.js';
import type { ForgeRegistry } from '../forge/registry.js';
import type { PullRequest } from '../forge/types.js';
import { reply } from '../jobs/reply.js';
import type { Logger } from '../logger.js';
import type { Job } from '../queue/jobs.js';
import type { JobHandler } from '../queue/types.js';
import type { createRulesSource } from './rules-source.js';

interface GateDeps {
  rules: ReturnType<typeof createRulesSource>;
  forges: ForgeRegistry;
  logger: Logger;
  /** The app's name, so `@app plan` reads as a command (as the acceptor reads it). */
  appName?: string;
}

interface Skip {
  message: string;
  fields: Record<string, unknown>;
  /** Said on the pull request, in answer to the command comment the job is for. */
  answer?: string;
}

/**
 * Drops jobs the server config says Sluice must not do, before any checkout: every job of a repository
 * no rule allows (one log line each), autoplans the repository's rules turn off (`autoplan: false`, or
 * `drafts: skip` for a draft pull request), and, with `forks: skip`, plans and commands on a pull
 * request from a fork (a command gets a short answer). Reconciliation only releases locks and always
 * runs; so does a close, which releases what the pull request holds.
 */
export function gateJobs(handler: JobHandler, deps: GateDeps): JobHandler {
  return async (job, context) => {
    const skip = await reasonToSkip(job, deps);
    if (skip) {
      deps.logger.info({ jobId: context.id, kind: job.kind, ...skip.fields }, skip.message);
      if (skip.answer && job.kind === 'command') {
        const forge = deps.forges.get(job.pr.repo.forge);
        await forge.react(job.pr, job.commentId, 'refused');
        await reply(forge, job.pr, skip.answer);
      }
      return;
    }
    return handler(job, context);
  };
}

async function reasonToSkip(job: Job, deps: GateDeps): Promise<Skip | undefined> {
  if (job.kind === 'reconcile') return undefined;
  const { rules, id, matched } = deps.rules.explain(job.pr.repo);
  if (!rules.allowed) {
    return {
      message: 'ignoring the repository: no repo rule in the server config allows it',
      fields: { repo: id, matchedRules: matched },
    };
  }
  const forge = deps.forges.get(job.pr.repo.forge);
  let pull: Promise<PullRequest> | undefined;
  const read = () => {
    pull ??= forge.getPullRequest(job.pr);
    return pull;
  };
  const fields = { repo: id, pr: job.pr.number };

  if (rules.forks === 'skip' && (job.kind === 'plan' || job.kind === 'command')) {
    const parsed =
      job.kind === 'command'
        ? parseCommand(job.body, { appName: deps.appName, atlantisAlias: rules.atlantisAlias })
        : undefined;
    // `help` and `version` change nothing: they are answered on a fork's pull request too.
    const harmless =
      parsed?.kind === 'command' && (parsed.command.name === 'help' || parsed.command.name === 'version');
    const invoked = job.kind === 'plan' || (parsed?.kind !== 'ignored' && !harmless);
    const pull = invoked ? await read() : undefined;
    if (pull?.fromFork) {
      const noun = forge.capabilities.changeRequest.noun;
      if (job.kind === 'plan') {
        // Said on the pull request too: a required `sluice/plan` check must not wait with no reason.
        await forge.setCommitStatus(job.pr.repo, pull.headSha, {
          context: 'sluice/plan',
          state: 'failure',
          description: `Not planned: Sluice does not plan ${noun}s from forks in this repository`,
        });
      }
      return {
        message: 'not acting on a pull request from a fork (forks: skip)',
        fields,
        answer: `Sluice does not plan or apply ${noun}s from forks in this repository.`,
      };
    }
  }

  if (job.kind !== 'plan' || job.trigger !== 'autoplan') return undefined;
  if (!rules.autoplan) return { message: 'autoplan is off for this repository', fields: { repo: id } };
  if (rules.drafts === 'skip' && (await read()).draft) {
    return { message: 'not planning a draft pull request', fields };
  }
  return undefined;
}
