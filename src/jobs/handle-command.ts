import { type Command, parseCommand, usageText } from '../commands/parse-command.js';
import { codeSpan } from '../comments/markdown.js';
import { forkCommitAllowed } from '../config/job-gate.js';
import { checkPermission, commandTargets } from '../config/permissions.js';
import type { Forge } from '../forge/types.js';
import type { Logger } from '../logger.js';
import type { CommandJob } from '../queue/jobs.js';
import type { JobContext } from '../queue/types.js';
import { TOOL_TITLE } from '../runner/resolve-tool.js';
import { prKey, repoKey } from '../store/keys.js';
import { SLUICE_VERSION } from '../version.js';
import { rollbackDbt } from './apply-dbt.js';
import { finalOnFailure } from './apply-gave-up.js';
import { applyPullRequest } from './apply-pull-request.js';
import { createPlanJobHandler } from './plan-pull-request.js';
import { pullStateIfIntact } from './read-pull-state.js';
import { releaseLocks } from './release-locks.js';
import { reply } from './reply.js';
import { runSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

/** A PR comment that reads as a command: parse it with the repo's rules, check who asked, run it. */
export function createCommandJobHandler(deps: WorkerDeps) {
  const planPullRequest = createPlanJobHandler(deps);
  return async function handleCommand(job: CommandJob, context: JobContext): Promise<void> {
    const log = deps.logger.child({
      jobId: context.id,
      repo: job.pr.repo.fullName,
      pr: job.pr.number,
      by: job.author,
    });
    const forge = deps.forges.get(job.pr.repo.forge);
    const rules = deps.rules(job.pr.repo);
    const words = forge.capabilities.changeRequest;
    const parsed = parseCommand(job.body, {
      appName: deps.appName,
      atlantisAlias: rules.atlantisAlias,
      allowedCommands: rules.allowedCommands,
      changeRequest: words,
    });
    if (parsed.kind === 'ignored') return;
    if (parsed.kind === 'error') {
      await forge.react(job.pr, job.commentId, 'refused');
      await reply(forge, job.pr, `${parsed.message}\n\n${parsed.usage}`);
      return;
    }
    const command = parsed.command;
    log.info({ command: command.name }, 'command');
    await forge.react(job.pr, job.commentId, 'seen');

    if (command.name === 'help') return reply(forge, job.pr, usageText(rules.allowedCommands, words));
    if (command.name === 'version') {
      // The default tool first, then every other version a project's `tool` may ask for.
      const tools = await deps.tools();
      const names = tools.all.map((t) => `${TOOL_TITLE[t.name]} ${t.version}`);
      return reply(forge, job.pr, `Sluice ${SLUICE_VERSION} · ${names.join(', ')}`);
    }
    const refusal = await mayRun(deps, forge, job, command);
    if (refusal) {
      await reply(forge, job.pr, refusal);
      return;
    }
    await run(command, job, context, forge, log);
  };

  async function run(
    command: Command,
    job: CommandJob,
    context: JobContext,
    forge: Forge,
    log: Logger,
  ): Promise<void> {
    const words = forge.capabilities.changeRequest;
    const target =
      command.project || command.dir || command.workspace
        ? { project: command.project, dir: command.dir, workspace: command.workspace }
        : undefined;
    if (command.name === 'plan') {
      const pull = await forge.getPullRequest(job.pr);
      if (pull.state !== 'open') {
        await reply(forge, job.pr, `This ${words.noun} is closed; there is nothing to plan.`);
        return;
      }
      // The gate allowed the fork's head it saw; a push since then is a commit nobody allowed.
      if (!(await forkCommitAllowed(deps.store, deps.rules(job.pr.repo).forks, pull))) {
        await reply(
          forge,
          job.pr,
          `The ${words.noun} moved to ${pull.headSha.slice(0, 7)} after the command: that commit from a fork is not allowed yet. Comment \`sluice plan\` again to allow it.`,
        );
        return;
      }
      await planPullRequest(
        {
          kind: 'plan',
          pr: job.pr,
          headSha: pull.headSha,
          trigger: 'command',
          deliveryId: job.deliveryId,
          requestedBy: job.author,
          target,
          extraArgs: command.extraArgs.length ? command.extraArgs : undefined,
          verbose: command.verbose || undefined,
        },
        context,
      );
      return;
    }
    if (command.name === 'apply') {
      const rules = deps.rules(job.pr.repo);
      const pull = await forge.getPullRequest(job.pr);
      if (rules.applyMode === 'merge' && pull.state === 'open') {
        await reply(
          forge,
          job.pr,
          `This repository applies on merge: approve and merge the ${words.noun}, and Sluice applies the reviewed plans. (\`sluice apply\` is for merged ${words.noun}s whose apply is waiting.)`,
        );
        return;
      }
      await finalOnFailure(deps, forge, job.pr, context, log, async () => {
        await applyPullRequest(
          deps,
          forge,
          {
            pr: job.pr,
            trigger: 'comment',
            requestedBy: job.author,
            target,
            runId: context.id,
            signal: context.signal,
          },
          log,
        );
      });
      return;
    }
    if (command.name === 'rollback') {
      await rollbackDbt(
        deps,
        forge,
        {
          pr: job.pr,
          project: command.project,
          requestedBy: job.author,
          runId: context.id,
          signal: context.signal,
        },
        runSettings(deps.rules(job.pr.repo), deps),
        log,
      );
      return;
    }
    if (command.name === 'unlock') {
      const released = await releaseLocks(deps, job.pr, `unlock-${context.id}`);
      await deps.store.pulls.delete(prKey(job.pr));
      await reply(
        forge,
        job.pr,
        released.length === 0
          ? `This ${words.noun} held no locks. Its plans are discarded; comment \`sluice plan\` to plan again.`
          : [
              `Released ${released.length} lock${released.length === 1 ? '' : 's'} and discarded this ${words.noun}'s plans:`,
              '',
              ...released.map(
                (l) =>
                  `- ${codeSpan(l.dir)}${l.workspace === 'default' ? '' : ` · workspace ${codeSpan(l.workspace)}`}`,
              ),
              '',
              'Comment `sluice plan` to plan again.',
            ].join('\n'),
      );
    }
  }
}

/**
 * Who may run the command: the server config's `permissions`, project by project for the projects the
 * command acts on (those this PR planned, narrowed by `-p`/`-d`/`-w`). Undefined when allowed, else the reply.
 */
async function mayRun(
  deps: WorkerDeps,
  forge: Forge,
  job: CommandJob,
  command: Command,
): Promise<string | undefined> {
  if (command.name === 'rollback') {
    // Rolling back changes production as an apply does: the same people may do it.
    const deployed = (await deps.store.dbt.latestDeployments(repoKey(job.pr.repo))).map((d) => ({
      ...d.project,
      workspace: 'default',
    }));
    return decide('apply', commandTargets(deployed, command));
  }
  if (command.name !== 'plan' && command.name !== 'apply' && command.name !== 'unlock') return undefined;
  const planned = (await pullStateIfIntact(deps, prKey(job.pr)))?.projects ?? [];
  return decide(command.name, commandTargets(planned, command));

  async function decide(
    guarded: 'plan' | 'apply' | 'unlock',
    projects: ReturnType<typeof commandTargets>,
  ): Promise<string | undefined> {
    const decision = await checkPermission({
      command: guarded,
      projects,
      rules: deps.rules(job.pr.repo).permissions,
      user: job.author,
      role: () => forge.getPermission(job.pr.repo, job.author),
      isTeamMember: (team) => forge.isTeamMember(job.pr.repo, team, job.author),
    });
    return decision.allowed ? undefined : decision.message;
  }
}
