import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type ApplyProjectView, buildApplyView } from '../comments/apply-view.js';
import { changeNounCapitalised, changeRef } from '../comments/change-request.js';
import { codeSpan } from '../comments/markdown.js';
import { kindMarker } from '../comments/markers.js';
import { renderApplyComment } from '../comments/render.js';
import type { ApplyRules } from '../config/apply-rules.js';
import type { ProjectConfig, RepoConfig } from '../config/repo-config.js';
import type { ApplyRequirement, LockMode, RepoRules } from '../config/rules.js';
import type { Workflow } from '../config/workflow.js';
import type { CommitState, Forge, PullRequest, PullRequestRef } from '../forge/types.js';
import type { Logger } from '../logger.js';
import { applyBatches, applyOrder, type OrderedProject } from '../projects/apply-order.js';
import { discoverProjects } from '../projects/discover.js';
import type { Project } from '../projects/types.js';
import type { PlanTarget } from '../queue/jobs.js';
import type { Checkout } from '../runner/git-mirror.js';
import type { InstalledTools } from '../runner/installed-tools.js';
import type { RunFacts } from '../runner/terraform/run-stage.js';
import { lockKey, prKey, repoKey } from '../store/keys.js';
import type { PlannedProject } from '../store/types.js';
import { applyOnce } from './apply-attempt.js';
import { unmetRequirements } from './apply-requirements.js';
import { attemptWorkDir } from './attempt-work-dir.js';
import { dropPrSchemas } from './drop-pr-schemas.js';
import { heldBack } from './held-back.js';
import { loadApplyRules, loadRepoConfig } from './load-repo-config.js';
import { mapLimit } from './map-limit.js';
import { projectContext } from './plan-pull-request.js';
import { projectWorkflow } from './project-workflow.js';
import { publishComment } from './publish-comment.js';
import { readPullState } from './read-pull-state.js';
import { reply } from './reply.js';
import { isSluiceContext, requirementFacts } from './requirement-facts.js';
import { TAMPERED_STATUS, tamperedPlanMessage } from './reviewed-plan.js';
import { checkoutRulesCommit } from './rules-commit.js';
import { pullRequestFacts } from './run-facts.js';
import { type RunSettings, runSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

export const APPLY_CONTEXT = 'sluice/apply';
export { isSluiceContext };

export interface ApplyRequest {
  pr: PullRequestRef;
  /** `merge`: the PR was just merged; `comment`: someone allowed to apply commented `sluice apply`. */
  trigger: 'merge' | 'comment';
  requestedBy: string;
  target?: PlanTarget;
  /** Distinguishes this apply run (the delivery that caused it), for follow-up job ids. */
  runId: string;
  signal: AbortSignal;
}

export type ApplyOutcome = 'applied' | 'failed' | 'refused' | 'nothing' | 'replanned';

/**
 * Applies a PR's reviewed plans — never anything else. Checks that the plans are for what the PR is
 * now, the apply requirements, the merged tree (merge mode) and each project's lock fence; claims each
 * plan once so a retried or crashed job can never apply it twice; then reports on the PR.
 */
export async function applyPullRequest(
  deps: WorkerDeps,
  forge: Forge,
  request: ApplyRequest,
  log: Logger,
): Promise<ApplyOutcome> {
  const { pr } = request;
  const key = prKey(pr);
  const rules = deps.rules(pr.repo);
  const pull = await forge.getPullRequest(pr);
  const merged = pull.state === 'merged';
  const statusSha = merged && pull.mergeCommitSha ? pull.mergeCommitSha : pull.headSha;
  const words = forge.capabilities.changeRequest;
  const status = (state: CommitState, description: string, context = APPLY_CONTEXT) =>
    forge.setCommitStatus(pr.repo, statusSha, { context, state, description, targetUrl: deps.publicUrl });
  const read = await readPullState(deps.store, key, log);
  if (!read.ok) {
    await reply(forge, pr, tamperedPlanMessage(read.record));
    await status('failure', TAMPERED_STATUS);
    return 'refused';
  }
  const { state } = read;

  const applicable = state?.projects ?? [];
  const pending = applicable.filter(
    (p) => p.status === 'planned' && p.applied?.outcome !== 'applied' && matchesTarget(p, request.target),
  );
  const toApply = pending.filter((p) => !p.noChanges);
  const unplanned = applicable.filter((p) => p.status !== 'planned');
  if (merged && request.trigger === 'merge' && unplanned.length > 0) {
    await reply(
      forge,
      pr,
      `**Not applied:** ${unplanned.map((p) => codeSpan(p.name)).join(', ')} had no successful plan when this ${words.noun} was merged (locked by another ${words.noun}, or the plan failed), so nothing was applied there. Its changes are on the base branch now: plan and apply them in a new ${words.noun}.`,
    );
  }
  if (!state || toApply.length === 0) {
    if (request.trigger === 'merge') {
      await releaseEverything(deps, pr, request.runId, log);
    } else {
      await reply(
        forge,
        pr,
        state
          ? 'Nothing to apply: every planned project has no changes or is already applied.'
          : `Nothing to apply: this ${words.noun} has no reviewed plan yet. Comment \`sluice plan\` first.`,
      );
    }
    return 'nothing';
  }

  // A plan is valid only for the commit it was made from.
  const plannedMergeCommit = merged && state.headSha === pull.mergeCommitSha;
  if (state.headSha !== pull.headSha && !plannedMergeCommit) {
    return replan(deps, forge, pull, request, toApply, {
      why: `The plans are for \`${state.headSha.slice(0, 7)}\` but the ${words.noun} is at \`${pull.headSha.slice(0, 7)}\`.`,
    });
  }

  // What must hold, and the apply order, come from the server and the DEFAULT branch's config (see
  // rulesCommit), never from the PR's own nor from the branch it targets.
  const { applyRules, order, parallelApply } = await defaultBranchApplyRules(
    deps,
    forge,
    pull,
    rules,
    request.signal,
  );
  const wanted = new Set(toApply.flatMap((p) => applyRules.applyRequirementsFor(p)));
  // After a merge only approval still means something; mergeable and undiverged are moot.
  const required: ApplyRequirement[] = [...wanted].filter((r) => !merged || r === 'approved');
  const checkout = await deps.mirrors.checkout(pr.repo, await forge.cloneAccess(pr.repo), state.headSha, {
    signal: request.signal,
  });
  const workDir = attemptWorkDir(deps.dataDir, 'apply', request.runId);
  try {
    const unmet = unmetRequirements(required, {
      ...(await requirementFacts(forge, pull, checkout, toApply, new Set(required))),
      plans: toApply,
    });
    if (unmet.length > 0) {
      const intro = merged
        ? `This ${words.noun} was merged without meeting its apply requirements, so Sluice did not apply it. The locks stay until someone resolves it: fix the requirement and comment \`sluice apply\`, or \`sluice unlock\`.`
        : 'Sluice cannot apply yet:';
      await reply(forge, pr, [intro, '', ...unmet.map((u) => `- ${u.message}`)].join('\n'));
      await status(
        'failure',
        `Not applied: ${[...new Set(unmet.map((u) => u.requirement))].join(', ')} not met`,
      );
      return 'refused';
    }

    // Merge mode: the merged tree must be the planned tree for every project.
    if (merged && !plannedMergeCommit && pull.mergeCommitSha) {
      const stale = await changedByMerge(
        deps,
        forge,
        pr,
        pull.mergeCommitSha,
        state.headSha,
        toApply,
        request.signal,
      );
      if (stale.length > 0) {
        return replan(deps, forge, pull, request, stale, {
          why: `The base branch changed ${stale.map((p) => codeSpan(p.name)).join(', ')} before the merge, so the merged result is not what was reviewed.`,
          sha: pull.mergeCommitSha,
        });
      }
    }

    // The workflows are the reviewed commit's, checked against the server's rules as at plan time.
    const headConfig = await loadRepoConfig(checkout, rules);
    if (!headConfig.ok) {
      const issues = headConfig.issues.map((i) => `- \`${i.file}:${i.line}:${i.column}\`: ${i.message}`);
      await reply(
        forge,
        pr,
        [
          `**Not applied:** \`${headConfig.file}\` of the reviewed commit is not valid under the current server rules, so Sluice cannot tell which workflow to run. Fix it and plan again:`,
          '',
          ...issues,
        ].join('\n'),
      );
      await status('failure', `Not applied: ${headConfig.file} is invalid`);
      return 'refused';
    }
    const settings = runSettings(rules, deps, headConfig.config);
    const facts = pullRequestFacts(pull, {
      headSha: state.headSha,
      user: request.trigger === 'comment' ? request.requestedBy : undefined,
    });

    const tools = await deps.tools();
    const views: ApplyProjectView[] = [];
    // This PR's projects with changes that are not applied: a project depending on one of them waits.
    const notApplied = new Set(
      applicable
        .filter((p) => p.status !== 'planned' || (!p.noChanges && p.applied?.outcome !== 'applied'))
        .map((p) => p.name),
    );
    // Projects of this run that were not applied: a later execution order group does not run.
    const notAppliedInRun: OrderedProject[] = [];
    const ordered = applyOrder(
      toApply.map((planned) => {
        const place = order(planned.name);
        return { ...place, type: place.type ?? planned.type, planned };
      }),
    );
    const applyEntry = async (
      { planned, ...place }: (typeof ordered)[number],
      index: number,
    ): Promise<ApplyProjectView> => {
      const project: Project = {
        name: planned.name,
        dir: planned.dir,
        workspace: planned.workspace,
        type: planned.type ?? 'terraform',
        reason: 'config',
      };
      const context = projectContext(APPLY_CONTEXT, project);
      const skip = async (why: { status: string; message: string }): Promise<ApplyProjectView> => {
        notAppliedInRun.push(place);
        await status('failure', why.status, context);
        return { project, outcome: 'refused', message: why.message, output: '' };
      };
      const held = heldBack(place, notApplied, notAppliedInRun);
      if (held) return skip(held);
      const workflow = projectWorkflow(rules, headConfig.config, project.name);
      if (!workflow.ok) {
        return skip({ status: 'Not applied: unknown workflow', message: `Not applied: ${workflow.message}` });
      }
      const view = await applyOne(deps, {
        forge,
        pull,
        planned,
        project,
        checkout,
        artifactDir: join(workDir, String(index)),
        tools,
        request,
        log,
        lockMode: applyRules.lockMode,
        settings,
        steps: workflow.workflow.apply,
        dbt: headConfig.config?.projects?.find((p) => p.name === project.name)?.dbt,
        facts,
        setStatus: (s, d) => status(s, d, context),
      });
      if (view.outcome !== 'applied') notAppliedInRun.push(place);
      if (view.outcome === 'applied') {
        notApplied.delete(planned.name);
        planned.applied = { at: new Date().toISOString(), outcome: 'applied', by: request.requestedBy };
        await deps.store.pulls.put(key, state);
      }
      return view;
    };
    // `parallel_apply` (default branch): projects of one batch share a group and do not depend on each other.
    let next = 0;
    for (const batch of applyBatches(ordered, parallelApply)) {
      const first = next;
      next += batch.length;
      views.push(...(await mapLimit(batch, deps.parallelPlans, (entry, i) => applyEntry(entry, first + i))));
    }
    if (views.every((v) => v.outcome === 'busy')) {
      // Nothing ran here: leave the comment and statuses to the run that has the plans.
      await reply(forge, pr, views[0]?.message ?? '');
      return 'nothing';
    }

    const failed = views.filter((v) => v.outcome !== 'applied');
    await publishComment({
      forge,
      pr,
      kind: 'apply',
      marker: kindMarker('apply'),
      parts: await renderApplyComment(
        buildApplyView({
          sha: state.headSha,
          projects: views,
          trigger: request.trigger,
          requestedBy: request.requestedBy,
        }),
        {
          templatesDir: settings.templatesDir,
          maxLength: forge.capabilities.maxCommentLength,
          marker: kindMarker('apply'),
        },
      ),
      ids: deps.store.comments,
    });
    await status(
      failed.length ? 'failure' : 'success',
      failed.length ? `${failed.length} of ${views.length} projects not applied` : `${views.length} applied`,
    );

    const stale = views.filter((v) => v.outcome === 'stale');
    if (stale.length > 0) {
      await replan(
        deps,
        forge,
        pull,
        request,
        toApply.filter((p) => stale.some((v) => v.project.name === p.name)),
        {
          why: 'The tool reported the saved plan stale: the state changed since the plan.',
          sha: merged ? statusSha : undefined,
          quiet: true,
        },
      );
    }
    const allDone = applicable.every(
      (p) => p.status !== 'planned' || p.noChanges || p.applied?.outcome === 'applied',
    );
    if (merged && allDone) await releaseEverything(deps, pr, request.runId, log);
    // A dbt deployment is a good moment for the janitor: drop schemas closed PRs left in the warehouse.
    if (views.some((v) => v.outcome === 'applied' && v.project.type === 'dbt')) {
      await deps.queue.enqueue({ kind: 'reconcile', repo: pr.repo, deliveryId: `sweep-${request.runId}` });
    }
    // After the release, so the re-plans can take the locks.
    await replanOthers(
      deps,
      pr,
      views.filter((v) => v.outcome === 'applied').map((v) => v.project),
      request.runId,
    );
    if (!merged && allDone && applyRules.automerge && rules.applyMode === 'comment') {
      await forge.merge(pr, pull.headSha);
      log.info('automerged after every project was applied');
    }
    return failed.length ? 'failed' : 'applied';
  } finally {
    await checkout.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function applyOne(
  deps: WorkerDeps,
  input: {
    forge: Forge;
    pull: PullRequest;
    planned: PlannedProject;
    project: Project;
    checkout: Checkout;
    artifactDir: string;
    /** The installed tools: the plan's own version is applied with (resolve-tool.ts toolOfPlan). */
    tools: InstalledTools;
    request: ApplyRequest;
    log: Logger;
    lockMode: LockMode;
    settings: RunSettings;
    /** The apply stage of the project's workflow. */
    steps: Workflow['apply'];
    /** A dbt project's `dbt` settings from the reviewed commit's config. */
    dbt?: ProjectConfig['dbt'];
    facts: RunFacts;
    setStatus: (state: CommitState, description: string) => Promise<void>;
  },
): Promise<ApplyProjectView> {
  const { pull, planned, project, request } = input;
  const prKeyValue = prKey(pull.ref);
  const view = (outcome: ApplyProjectView['outcome'], message: string, output = ''): ApplyProjectView => ({
    project,
    outcome,
    message,
    output,
  });

  // The lock is the PR's: in `plan` mode it must still carry the fence the plan saw.
  const lk = lockKey(pull.ref.repo, project);
  if (input.lockMode === 'plan') {
    if (planned.fence === undefined || !(await deps.locks.checkFence(lk, prKeyValue, planned.fence))) {
      const holder = await deps.locks.get(lk);
      const words = input.forge.capabilities.changeRequest;
      await input.setStatus('failure', 'Not applied: the lock moved');
      return view(
        'refused',
        holder && holder.prKey !== prKeyValue
          ? `Not applied: ${changeRef(words, holder.prNumber)} holds this project's lock now. Plan again once it is released.`
          : 'Not applied: this plan no longer holds the lock it was made under. Comment `sluice plan` to plan again.',
      );
    }
  } else if (input.lockMode === 'apply') {
    const taken = await deps.locks.acquire(lk, {
      prKey: prKeyValue,
      prNumber: pull.ref.number,
      prUrl: pull.url,
      author: pull.author,
      headSha: pull.headSha,
      project: project.name,
      dir: project.dir,
      workspace: project.workspace,
    });
    if (!taken.ok) {
      const ref = changeRef(input.forge.capabilities.changeRequest, taken.heldBy.prNumber);
      await input.setStatus('failure', `Not applied: locked by ${ref}`);
      return view('refused', `Not applied: ${ref} holds this project's lock.`);
    }
  }

  // Each reviewed plan runs at most once, whatever happens to this worker (apply-attempt.ts).
  return applyOnce(deps, {
    ...input,
    runId: request.runId,
    requestedBy: request.requestedBy,
    signal: request.signal,
  });
}

/**
 * The apply rules and each project's place in the apply order (`depends_on`, `execution_order_group`,
 * `type`) and whether projects of one batch apply at the same time (`parallel_apply`), all from the repo
 * config on the DEFAULT branch (at rulesCommit). A project that config does not list (a new one, or no
 * config) has no dependencies, group 0, and is Terraform.
 */
async function defaultBranchApplyRules(
  deps: WorkerDeps,
  forge: Forge,
  pull: PullRequest,
  rules: RepoRules,
  signal: AbortSignal,
): Promise<{ applyRules: ApplyRules; order: (name: string) => OrderedProject; parallelApply: boolean }> {
  const defaults = await checkoutRulesCommit(deps, forge, pull, signal);
  try {
    const applyRules = await loadApplyRules(defaults, rules);
    const loaded = applyRules.issues.length === 0 ? await loadRepoConfig(defaults) : undefined;
    const config: RepoConfig | undefined = loaded?.ok ? loaded.config : undefined;
    return {
      applyRules,
      order: (name) => orderOf(config, name),
      parallelApply: config?.parallelApply === true,
    };
  } finally {
    await defaults.dispose();
  }
}

function orderOf(config: RepoConfig | undefined, name: string): OrderedProject {
  const project = config?.projects?.find((p) => p.name === name);
  return project
    ? {
        name,
        type: project.type,
        executionOrderGroup: project.executionOrderGroup,
        dependsOn: project.dependsOn,
      }
    : { name };
}

/** Projects whose planned result the merge changed: the diff from the reviewed head to the merge commit touches them. */
async function changedByMerge(
  deps: WorkerDeps,
  forge: Forge,
  pr: PullRequestRef,
  mergeSha: string,
  headSha: string,
  projects: PlannedProject[],
  signal: AbortSignal,
): Promise<PlannedProject[]> {
  const merge = await deps.mirrors.checkout(pr.repo, await forge.cloneAccess(pr.repo), mergeSha, { signal });
  try {
    const changed = await merge.diff(headSha);
    if (changed.length === 0) return [];
    const loaded = await loadRepoConfig(merge);
    const affected = discoverProjects({
      changedFiles: changed,
      repoFiles: loaded.ok ? loaded.repoFiles : await merge.listFiles(),
      readFile: loaded.ok ? loaded.read : () => undefined,
      config: loaded.ok ? loaded.config : undefined,
    });
    return projects.filter((p) => affected.some((a) => a.dir === p.dir && a.workspace === p.workspace));
  } finally {
    await merge.dispose();
  }
}

/** Plans the given projects again (on the merge commit when `sha` is given) and says why; nothing is applied. */
async function replan(
  deps: WorkerDeps,
  forge: Forge,
  pull: PullRequest,
  request: ApplyRequest,
  projects: PlannedProject[],
  options: { why: string; sha?: string; quiet?: boolean },
): Promise<ApplyOutcome> {
  const sha = options.sha ?? pull.headSha;
  await deps.queue.enqueue({
    kind: 'plan',
    pr: pull.ref,
    headSha: sha,
    trigger: options.sha ? 'merged' : 'stale',
    deliveryId: `replan-${request.runId}`,
    requestedBy: request.requestedBy,
    only: projects.map((p) => p.name),
    note: options.why,
  });
  if (!options.quiet) {
    const next =
      pull.state === 'merged'
        ? `Sluice is planning the merge commit now; review that plan, then comment \`sluice apply\` on this ${forge.capabilities.changeRequest.noun}.`
        : 'Sluice is planning again now; review the new plan, then apply.';
    await reply(forge, pull.ref, `**Not applied.** ${options.why}\n\n${next}`);
  }
  return 'replanned';
}

/** Other open PRs that planned a project this apply just changed: their plans are stale now. */
async function replanOthers(
  deps: WorkerDeps,
  pr: PullRequestRef,
  applied: Project[],
  runId: string,
): Promise<void> {
  if (applied.length === 0) return;
  const self = prKey(pr);
  for (const other of await deps.store.pulls.listByRepo(repoKey(pr.repo))) {
    if (prKey(other.pr) === self) continue;
    const overlap = other.projects.filter((p) =>
      applied.some((a) => a.dir === p.dir && a.workspace === p.workspace),
    );
    if (overlap.length === 0) continue;
    const words = deps.forges.get(pr.repo.forge).capabilities.changeRequest;
    await deps.queue.enqueue({
      kind: 'plan',
      pr: other.pr,
      headSha: other.headSha,
      trigger: 'stale',
      deliveryId: `stale-${runId}`,
      note: `${changeNounCapitalised(words)} ${changeRef(words, pr.number)} was just applied and changed ${overlap.map((p) => codeSpan(p.name)).join(', ')}, so the earlier plan here was stale. This is a fresh plan.`,
    });
  }
}

async function releaseEverything(
  deps: WorkerDeps,
  pr: PullRequestRef,
  runId: string,
  log: Logger,
): Promise<void> {
  const state = await deps.store.pulls.get(prKey(pr));
  await deps.locks.releaseAll(prKey(pr));
  await deps.store.pulls.delete(prKey(pr));
  if (state) await dropPrSchemas(deps, state, runId, log);
}

function matchesTarget(p: PlannedProject, target: PlanTarget | undefined): boolean {
  if (!target) return true;
  if (target.project) return p.name === target.project;
  if (target.dir !== undefined && p.dir !== target.dir) return false;
  if (target.workspace !== undefined && p.workspace !== target.workspace) return false;
  return true;
}
