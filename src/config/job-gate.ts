import { parseCommand } from '../commands/parse-command.js';
import type { ForgeRegistry } from '../forge/registry.js';
import type { PullRequest } from '../forge/types.js';
import { reply } from '../jobs/reply.js';
import type { Logger } from '../logger.js';
import type { Job } from '../queue/jobs.js';
import type { JobHandler } from '../queue/types.js';
import { prKey } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { isIn } from './permissions.js';
import { writersOnly } from './rules.js';
import type { createRulesSource } from './rules-source.js';

interface GateDeps {
  rules: ReturnType<typeof createRulesSource>;
  forges: ForgeRegistry;
  logger: Logger;
  /** The app's name, so `@app plan` reads as a command (as the acceptor reads it). */
  appName?: string;
  /** Where a maintainer's allowance to plan a fork's commit is kept. */
  store: Pick<Store, 'forks'>;
  clock?: () => number;
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
 * `drafts: skip` for a draft pull request), and, with `forks: skip` (the default), plans and commands
 * on a pull request from a fork, except on a head commit a maintainer allowed with `sluice plan`
 * (a command gets a short answer). Reconciliation only releases locks and always runs; so does a
 * close, which releases what the pull request holds.
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

const FORK_SKIPPED = 'not acting on a pull request from a fork (forks: skip)';

/**
 * Whether this head commit of the pull request may be planned: not from a fork, `forks: plan`, or a
 * maintainer allowed exactly this commit. For a runner that reads the head again after the gate.
 */
export async function forkCommitAllowed(
  store: Pick<Store, 'forks'>,
  forks: 'plan' | 'skip',
  pull: Pick<PullRequest, 'ref' | 'fromFork' | 'headSha'>,
): Promise<boolean> {
  if (forks === 'plan' || !pull.fromFork) return true;
  return (await store.forks.get(prKey(pull.ref), pull.headSha)) !== undefined;
}

/**
 * `sluice plan` on a fork's pull request: from someone with write access other than its author, it
 * allows planning the current head commit, recorded with who and when, and said on the pull request;
 * the command then runs as usual. Anyone else is answered why not.
 */
async function allowFork(
  job: Extract<Job, { kind: 'command' }>,
  pull: PullRequest,
  key: string,
  deps: GateDeps,
  fields: Record<string, unknown>,
): Promise<Skip | undefined> {
  const forge = deps.forges.get(job.pr.repo.forge);
  const noun = forge.capabilities.changeRequest.noun;
  const short = pull.headSha.slice(0, 7);
  if (job.author.toLowerCase() === pull.author.toLowerCase()) {
    return {
      message: 'not planning a pull request from a fork: its author cannot allow it',
      fields,
      answer: `@${job.author}, a ${noun} from a fork is planned only when a maintainer (someone with write access other than its author) comments \`sluice plan\`.`,
    };
  }
  const role = await forge.getPermission(job.pr.repo, job.author);
  if (!isIn(writersOnly(), job.author, { role, teams: new Set() })) {
    return {
      message: 'not planning a pull request from a fork: the commenter has no write access',
      fields,
      answer: `Sorry @${job.author}, only someone with write access to this repository can allow planning a ${noun} from a fork.`,
    };
  }
  const at = (deps.clock ?? Date.now)();
  await deps.store.forks.allow(key, {
    headSha: pull.headSha,
    by: job.author,
    at: new Date(at).toISOString(),
  });
  deps.logger.info(
    { ...fields, by: job.author, headSha: pull.headSha },
    'a maintainer allowed planning a fork commit',
  );
  await reply(forge, job.pr, `@${job.author} allowed planning of fork commit ${short}.`);
  return undefined;
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
      const key = prKey(job.pr);
      const refused = (message: string, answer: string): Skip => ({ message, fields, answer });
      if (job.kind === 'plan') {
        if (await deps.store.forks.get(key, job.headSha)) return undefined;
        // Said on the pull request too: a required `sluice/plan` check must not wait with no reason.
        await forge.setCommitStatus(job.pr.repo, job.headSha, {
          context: 'sluice/plan',
          state: 'failure',
          description: `Not planned: a ${noun} from a fork is planned once a maintainer comments sluice plan`,
        });
        return { message: FORK_SKIPPED, fields };
      }
      if (parsed?.kind === 'command' && parsed.command.name === 'plan') {
        return allowFork(job, pull, key, deps, fields);
      }
      // apply, unlock, rollback: only on a commit a maintainer allowed; the handler checks the rest.
      if (await deps.store.forks.get(key, pull.headSha)) return undefined;
      return refused(
        FORK_SKIPPED,
        `Sluice does not act on this ${noun}'s commit ${pull.headSha.slice(0, 7)}: it comes from a fork, and no maintainer allowed it. Someone with write access can comment \`sluice plan\` to allow planning it.`,
      );
    }
  }

  if (job.kind !== 'plan' || job.trigger !== 'autoplan') return undefined;
  if (!rules.autoplan) return { message: 'autoplan is off for this repository', fields: { repo: id } };
  if (rules.drafts === 'skip' && (await read()).draft) {
    return { message: 'not planning a draft pull request', fields };
  }
  return undefined;
}
