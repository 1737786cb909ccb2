import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { changeRef } from '../comments/change-request.js';
import { planMarker } from '../comments/markers.js';
import { renderConfigErrorComment, renderPlanComment } from '../comments/render.js';
import { buildPlanView } from '../comments/view.js';
import { type ApplyRules, resolveApplyRules } from '../config/apply-rules.js';
import type { LockMode, RepoRules } from '../config/rules.js';
import { dbtStatusDescription, dbtUnchanged } from '../dbt/project-result.js';
import type { ChangeRequestWords, Forge, PullRequest, PullRequestRef } from '../forge/types.js';
import type { Logger } from '../logger.js';
import { dbtProjectDirs, discoverProjects } from '../projects/discover.js';
import type { Project } from '../projects/types.js';
import type { PlanJob } from '../queue/jobs.js';
import type { JobContext } from '../queue/types.js';
import type { Checkout } from '../runner/git-mirror.js';
import { resolveTool } from '../runner/resolve-tool.js';
import { planProject } from '../runner/terraform/plan-project.js';
import type { ProjectPlanResult } from '../runner/types.js';
import { lockKey, planKey, prKey } from '../store/keys.js';
import { planArtifactHash } from '../store/sealed-store.js';
import type { PlannedProject, PullState } from '../store/types.js';
import type { UnmetRequirement } from './apply-requirements.js';
import { attemptWorkDir } from './attempt-work-dir.js';
import { loadApplyRules, loadRepoConfig } from './load-repo-config.js';
import { mapLimit } from './map-limit.js';
import { planDbt } from './plan-dbt.js';
import { shortPlanId, terraformPlanIdentity } from './plan-identity.js';
import { type StoredPlan, withPlanRecords } from './plan-records.js';
import { planRequirementsError, planRequirementsWanted, unmetPlanRequirements } from './plan-requirements.js';
import { projectTool } from './project-tool.js';
import { projectWorkflow } from './project-workflow.js';
import { publishComment } from './publish-comment.js';
import { pullStateIfIntact } from './read-pull-state.js';
import { reply } from './reply.js';
import { requirementFacts } from './requirement-facts.js';
import { checkoutRulesCommit } from './rules-commit.js';
import { pullRequestFacts } from './run-facts.js';
import { runSettings } from './run-settings.js';
import { selectProjects } from './select-projects.js';
import type { WorkerDeps } from './worker-deps.js';

export const PLAN_CONTEXT = 'sluice/plan';

export function projectContext(base: string, project: Pick<Project, 'name' | 'workspace'>): string {
  return `${base}: ${project.name}${project.workspace === 'default' ? '' : ` (${project.workspace})`}`;
}

/** The worker side of a plan: check out the commit, find projects, take locks, plan each in the sandbox, report. */
export function createPlanJobHandler(deps: WorkerDeps) {
  return async function planPullRequest(job: PlanJob, context: JobContext): Promise<void> {
    const started = Date.now();
    const log = deps.logger.child({
      jobId: context.id,
      repo: job.pr.repo.fullName,
      pr: job.pr.number,
      sha: job.headSha.slice(0, 12),
    });
    const forge = deps.forges.get(job.pr.repo.forge);
    const pull = await forge.getPullRequest(job.pr);
    const current =
      job.trigger === 'merged'
        ? pull.state === 'merged'
        : pull.state === 'open' && pull.headSha === job.headSha;
    if (!current) {
      log.info({ state: pull.state, head: pull.headSha.slice(0, 12) }, 'skipping plan: the PR moved on');
      deps.metrics.jobs.inc({ kind: 'plan', outcome: 'superseded' });
      return;
    }
    // An error here reaches the PR through reportingFailures (handle-job.ts).
    const outcome = await plan(deps, forge, pull, job, context, log);
    deps.metrics.jobs.inc({ kind: 'plan', outcome });
    deps.metrics.jobSeconds.observe({ kind: 'plan' }, (Date.now() - started) / 1000);
    log.info({ outcome, ms: Date.now() - started }, 'plan job done');
  };
}

type PlanOutcome = 'planned' | 'failed' | 'no-projects' | 'config-error' | 'superseded';

async function plan(
  deps: WorkerDeps,
  forge: Forge,
  pull: PullRequest,
  job: PlanJob,
  context: JobContext,
  log: Logger,
): Promise<PlanOutcome> {
  const { pr, headSha } = job;
  const rules = deps.rules(pr.repo);
  const status = (state: 'pending' | 'success' | 'failure', description: string, ctx = PLAN_CONTEXT) =>
    forge.setCommitStatus(pr.repo, headSha, { context: ctx, state, description, targetUrl: deps.publicUrl });
  const marker = planMarker(pr);
  const publish = (parts: string[]) =>
    publishComment({ forge, pr, kind: 'plan', marker, parts, ids: deps.store.comments });
  // Until the repo config is read: the server's rules alone decide (parallel_plan is the repo's).
  let settings = runSettings(rules, deps);
  const render = (results: ProjectPlanResult[], pending: Project[]) =>
    renderPlanComment(
      buildPlanView({
        headSha,
        results,
        pending,
        commandHint: 'sluice plan',
        changeRequest: forge.capabilities.changeRequest,
        applyMode: rules.applyMode,
        note: job.note,
        mermaid: forge.capabilities.mermaid,
      }),
      { templatesDir: settings.templatesDir, maxLength: forge.capabilities.maxCommentLength, marker },
    );

  const checkout = await deps.mirrors.checkout(pr.repo, await forge.cloneAccess(pr.repo), headSha, {
    signal: context.signal,
  });
  const workDir = attemptWorkDir(deps.dataDir, context.id);
  try {
    const repoConfig = await loadRepoConfig(checkout, rules);
    if (!repoConfig.ok) {
      await publish(
        await renderConfigErrorComment(repoConfig.issues, {
          marker,
          maxLength: forge.capabilities.maxCommentLength,
          templatesDir: settings.templatesDir,
          headSha,
        }),
      );
      await status(
        'failure',
        `${repoConfig.file} is invalid; see the ${forge.capabilities.changeRequest.short} comment`,
      );
      return 'config-error';
    }
    settings = runSettings(rules, deps, repoConfig.config);
    const changedFiles = await forge.listChangedFiles(pr);
    const selected = selectProjects({
      job,
      discovered: discoverProjects({
        changedFiles,
        repoFiles: repoConfig.repoFiles,
        readFile: repoConfig.read,
        config: repoConfig.config,
      }),
      config: repoConfig.config,
      dbtDirs: dbtProjectDirs(repoConfig.repoFiles),
    });
    if (!selected.ok) {
      await reply(forge, pr, selected.message);
      await status(
        'failure',
        `No project matches the command; see the ${forge.capabilities.changeRequest.short} comment`,
      );
      return 'failed';
    }
    const projects = selected.projects;
    if (projects.length === 0) {
      await status('success', 'No Terraform/OpenTofu or dbt projects changed');
      // Only touch the comment if an earlier commit had one: a docs-only PR gets no comment at all.
      const existing = await deps.store.comments.get(prKey(pr), 'plan');
      if (existing.length > 0) await publish(await render([], []));
      if (job.trigger === 'autoplan') await forgetPlans(deps, pr);
      return 'no-projects';
    }

    // Plan requirements and the lock mode: the server's rules under the DEFAULT branch's config.
    const defaultRules = await defaultBranchRules(deps, forge, pull, rules, context.signal);
    const unmet = await unmetForPlan(forge, pull, checkout, defaultRules, projects);
    log.info({ projects: projects.map((p) => p.name), notMet: [...unmet.keys()] }, 'planning');
    await status('pending', `Planning ${projects.length} project${projects.length === 1 ? '' : 's'}…`);
    await Promise.all(
      projects.map((p) => status('pending', 'Waiting to plan', projectContext(PLAN_CONTEXT, p))),
    );
    await publish(await render([], projects));

    // Each tool is looked for only when a project needs it: a dbt-only repo needs no OpenTofu.
    const tools = projects.some((p) => p.type !== 'dbt') ? await deps.tools() : undefined;
    // The OpenTofu/Terraform a project's `tool` asks for, else the default (src/runner/resolve-tool.ts).
    const chosenTool = (project: Project) =>
      tools && project.type !== 'dbt'
        ? resolveTool(projectTool(repoConfig.config, project.name), tools)
        : undefined;
    const toolOf = (project: Project): ProjectPlanResult['tool'] => {
      const chosen = chosenTool(project);
      const tool = chosen?.ok ? chosen.tool : tools?.default;
      return project.type === 'dbt' || !tool
        ? { name: 'dbt', version: 'unknown' }
        : { name: tool.name, version: tool.version };
    };
    const planned: PlannedProject[] = [];
    const facts = pullRequestFacts(pull, {
      headSha,
      user: job.requestedBy,
      commentArgs: job.extraArgs,
    });
    const results = await mapLimit(projects, settings.parallelPlans, async (project, index) => {
      const key = planKey(pr, headSha, project);
      const planId = new Date().toISOString();
      const record = (result: ProjectPlanResult, holder: { fence?: number }, stored?: StoredPlan) => {
        if (stored) result.planId = shortPlanId(stored.identity.id);
        planned.push({
          name: project.name,
          dir: project.dir,
          workspace: project.workspace,
          type: project.type,
          planKey: key,
          planId,
          status: result.status,
          noChanges: result.dbt ? dbtUnchanged(result.dbt) : (result.summary?.noChanges ?? false),
          fence: holder.fence,
          ...(stored ? { planHash: stored.hash, plans: [{ ...stored.identity, at: '' }] } : {}),
        });
      };
      const notPlanned = (error: NonNullable<ProjectPlanResult['error']>, description: string) => {
        const result: ProjectPlanResult = {
          project,
          status: 'failed',
          error,
          tool: toolOf(project),
          durationMs: 0,
        };
        record(result, {});
        return status('failure', description, projectContext(PLAN_CONTEXT, project)).then(() => result);
      };
      const requirements = unmet.get(project.name);
      if (requirements) {
        return notPlanned(
          planRequirementsError(requirements),
          `Not planned: ${requirements.map((r) => r.requirement).join(', ')} not met`,
        );
      }
      const workflow = projectWorkflow(rules, repoConfig.config, project.name);
      if (!workflow.ok) {
        return notPlanned({ step: 'workflow', message: workflow.message, output: '' }, 'Unknown workflow');
      }
      const chosen = chosenTool(project);
      if (chosen && !chosen.ok) {
        return notPlanned(
          { step: 'tool', message: chosen.message, output: '' },
          `${chosen.asked} is not installed`,
        );
      }
      const holder = await takeLock(deps, defaultRules.lockMode, pull, headSha, project, toolOf(project));
      if (holder.locked) {
        record(holder.locked.result, holder);
        await status(
          'failure',
          `Locked by ${changeRef(forge.capabilities.changeRequest, holder.locked.prNumber)}`,
          projectContext(PLAN_CONTEXT, project),
        );
        return holder.locked.result;
      }
      const artifactDir = join(workDir, String(index));
      await mkdir(artifactDir, { recursive: true });
      const report = (result: ProjectPlanResult) =>
        context.signal.aborted
          ? Promise.resolve()
          : status(
              result.status === 'planned' ? 'success' : 'failure',
              projectDescription(result, forge.capabilities.changeRequest),
              projectContext(PLAN_CONTEXT, project),
            );
      if (project.type === 'dbt') {
        const { stored, ...result } = await planDbt(deps, {
          project,
          pr,
          headSha,
          checkoutDir: checkout.dir,
          artifactDir,
          planKey: key,
          createdAt: planId,
          settings,
          dbt: repoConfig.config?.projects?.find((p) => p.name === project.name)?.dbt,
          signal: context.signal,
        });
        record(result, holder, stored);
        await report(result);
        return result;
      }
      const { result, planFile, planJson } = await planProject({
        project,
        checkoutDir: checkout.dir,
        artifactDir,
        tool: chosen?.ok ? chosen.tool : await deps.tool(),
        sandbox: deps.sandbox,
        providerCacheDir: join(deps.dataDir, 'provider-mirror'),
        timeoutMs: settings.stepTimeoutMs,
        signal: context.signal,
        masker: deps.masker,
        extraArgs: job.extraArgs,
        verbose: job.verbose,
        steps: workflow.workflow.plan,
        sandboxRules: settings.sandboxRules,
        serverEnv: deps.serverEnv ?? process.env,
        facts,
      });
      let stored: StoredPlan | undefined;
      if (result.status === 'planned' && planFile && planJson) {
        const artifact = {
          planFile,
          planJson,
          planText: result.planText ?? '',
          createdAt: planId,
          tool: result.tool,
        };
        await deps.store.plans.put(key, artifact);
        stored = {
          hash: planArtifactHash(artifact),
          identity: terraformPlanIdentity(project, planJson, job.extraArgs ?? []),
        };
      }
      record(result, holder, stored);
      await report(result);
      return result;
    });

    if (context.signal.aborted) {
      // Shutdown: throw, so the queue puts the job back instead of counting it done.
      if (context.signal.reason !== 'superseded')
        throw new Error('plan interrupted by shutdown; it runs again');
      log.info('plan superseded by a newer commit; not reporting');
      await forge.setCommitStatus(pr.repo, headSha, {
        context: PLAN_CONTEXT,
        state: 'error',
        description: 'Superseded by a newer commit; that one is planned instead',
      });
      return 'superseded';
    }
    await recordPlans(deps, pull, headSha, planned, job.target !== undefined || job.only !== undefined);
    await publish(await render(results, []));
    const failed = results.filter((r) => r.status !== 'planned').length;
    await status(
      failed ? 'failure' : 'success',
      failed ? `${failed} of ${results.length} projects could not be planned` : `${results.length} planned`,
    );
    return failed ? 'failed' : 'planned';
  } finally {
    await checkout.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * The rules a plan follows that the repo config on the DEFAULT branch (at rulesCommit) may override
 * (plan requirements, lock mode) — never the PR's own config, nor the one on the branch it targets. The
 * default branch is checked out only when `allowed_overrides` lets the repository override either.
 */
async function defaultBranchRules(
  deps: WorkerDeps,
  forge: Forge,
  pull: PullRequest,
  rules: RepoRules,
  signal: AbortSignal,
): Promise<ApplyRules> {
  if (!rules.allowedOverrides.some((k) => k === 'plan_requirements' || k === 'lock_mode')) {
    return resolveApplyRules(rules);
  }
  const defaults = await checkoutRulesCommit(deps, forge, pull, signal);
  try {
    return await loadApplyRules(defaults, rules);
  } finally {
    await defaults.dispose();
  }
}

/** The plan requirements each project does not meet, by project name. */
async function unmetForPlan(
  forge: Forge,
  pull: PullRequest,
  checkout: Checkout,
  rules: ApplyRules,
  projects: Project[],
): Promise<Map<string, UnmetRequirement[]>> {
  const wanted = planRequirementsWanted(projects, rules.planRequirementsFor, pull.state === 'merged');
  const required = new Set([...wanted.values()].flat());
  if (required.size === 0) return new Map();
  return unmetPlanRequirements(wanted, await requirementFacts(forge, pull, checkout, projects, required));
}

/** In lock mode `plan`, takes (or keeps) the project's lock for this PR; reports the holder when another PR has it. */
async function takeLock(
  deps: WorkerDeps,
  lockMode: LockMode,
  pull: PullRequest,
  headSha: string,
  project: Project,
  tool: ProjectPlanResult['tool'],
): Promise<{ fence?: number; locked?: { prNumber: number; result: ProjectPlanResult } }> {
  if (lockMode !== 'plan') return {};
  const acquired = await deps.locks.acquire(lockKey(pull.ref.repo, project), {
    prKey: prKey(pull.ref),
    prNumber: pull.ref.number,
    prUrl: pull.url,
    author: pull.author,
    headSha,
    project: project.name,
    dir: project.dir,
    workspace: project.workspace,
  });
  if (acquired.ok) return { fence: acquired.lock.fence };
  const held = acquired.heldBy;
  return {
    locked: {
      prNumber: held.prNumber,
      result: {
        project,
        status: 'locked',
        lockedBy: {
          prNumber: held.prNumber,
          prUrl: held.prUrl,
          author: held.author,
          headSha: held.headSha,
          acquiredAt: held.acquiredAt,
        },
        tool,
        durationMs: 0,
      },
    },
  };
}

/** Remembers what apply would run: the whole set for a full plan, merged into the earlier set for a targeted one. */
async function recordPlans(
  deps: WorkerDeps,
  pull: PullRequest,
  headSha: string,
  planned: PlannedProject[],
  targeted: boolean,
): Promise<void> {
  const key = prKey(pull.ref);
  const previous = await pullStateIfIntact(deps, key);
  const plannedAt = new Date().toISOString();
  const kept =
    targeted && previous?.headSha === headSha
      ? previous.projects.filter(
          (p) => !planned.some((n) => n.name === p.name && n.workspace === p.workspace),
        )
      : [];
  const state: PullState = {
    pr: pull.ref,
    headSha,
    author: pull.author,
    url: pull.url,
    plannedAt,
    projects: [...kept, ...planned.map((p) => withPlanRecords(p, previous, plannedAt))].sort(
      (a, b) => a.dir.localeCompare(b.dir) || a.workspace.localeCompare(b.workspace),
    ),
  };
  await deps.store.pulls.put(key, state);
}

/** A commit that changes no project leaves nothing to apply: drop the plans and locks of earlier commits. */
async function forgetPlans(deps: WorkerDeps, pr: PullRequestRef): Promise<void> {
  await deps.store.pulls.delete(prKey(pr));
  await deps.locks.releaseAll(prKey(pr));
}

function projectDescription(result: ProjectPlanResult, words: ChangeRequestWords): string {
  if (result.status === 'cancelled') return 'Cancelled';
  if (result.dbt) return dbtStatusDescription(result.dbt);
  if (result.status === 'locked')
    return result.lockedBy ? `Locked by ${changeRef(words, result.lockedBy.prNumber)}` : 'Locked';
  if (result.status === 'failed') return `Plan failed at ${result.error?.step ?? 'an unknown step'}`;
  const s = result.summary;
  if (!s || s.noChanges) return 'No changes';
  return `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;
}
