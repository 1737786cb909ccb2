import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { planMarker } from '../comments/markers.js';
import { renderConfigErrorComment, renderPlanComment } from '../comments/render.js';
import { buildPlanView } from '../comments/view.js';
import { parseRepoConfig, REPO_CONFIG_FILES, type RepoConfig } from '../config/repo-config.js';
import { isRetryable } from '../errors.js';
import type { ForgeRegistry } from '../forge/registry.js';
import type { Forge, PullRequestRef } from '../forge/types.js';
import type { Logger } from '../logger.js';
import { discoverProjects } from '../projects/discover.js';
import type { Project } from '../projects/types.js';
import type { PlanJob } from '../queue/jobs.js';
import type { JobContext } from '../queue/types.js';
import type { GitMirrors } from '../runner/git-mirror.js';
import type { Masker } from '../runner/mask.js';
import type { Sandbox } from '../runner/sandbox.js';
import { planProject } from '../runner/terraform/plan-project.js';
import type { ToolInfo } from '../runner/tools.js';
import type { ProjectPlanResult } from '../runner/types.js';
import type { Metrics } from '../server/metrics.js';
import { planKey, prKey } from '../store/keys.js';
import type { Store } from '../store/types.js';
import { mapLimit } from './map-limit.js';
import { publishComment } from './publish-comment.js';
import { readCheckoutFile } from './read-checkout-file.js';

export const PLAN_CONTEXT = 'sluice/plan';

export interface PlanJobDeps {
  forges: ForgeRegistry;
  store: Store;
  mirrors: GitMirrors;
  sandbox: Sandbox;
  tool: () => Promise<ToolInfo>;
  masker: Masker;
  logger: Logger;
  metrics: Metrics;
  dataDir: string;
  stepTimeoutMs: number;
  parallelPlans: number;
  templatesDir?: string;
  publicUrl?: string;
}

export function projectContext(project: Project): string {
  return `${PLAN_CONTEXT}: ${project.name}${project.workspace === 'default' ? '' : ` (${project.workspace})`}`;
}

/** The worker side of an autoplan: check out the head, find projects, plan each in the sandbox, report. */
export function createPlanJobHandler(deps: PlanJobDeps) {
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
    if (pull.state !== 'open' || pull.headSha !== job.headSha) {
      log.info({ state: pull.state, head: pull.headSha.slice(0, 12) }, 'skipping plan: the PR moved on');
      deps.metrics.jobs.inc({ kind: 'plan', outcome: 'superseded' });
      return;
    }
    let outcome: Awaited<ReturnType<typeof plan>>;
    try {
      outcome = await plan(deps, forge, job, context, log);
    } catch (error) {
      log.error({ err: error, attempt: context.attempt }, 'plan job failed');
      if (context.lastAttempt || !isRetryable(error)) {
        deps.metrics.jobs.inc({ kind: 'plan', outcome: 'error' });
        const message = deps.masker.mask((error as Error).message);
        await forge
          .setCommitStatus(job.pr.repo, job.headSha, {
            context: PLAN_CONTEXT,
            state: 'error',
            description: `Sluice could not plan: ${message}`,
          })
          .catch((statusError) => log.error({ err: statusError }, 'could not report the failure'));
      }
      throw error;
    }
    deps.metrics.jobs.inc({ kind: 'plan', outcome });
    deps.metrics.jobSeconds.observe({ kind: 'plan' }, (Date.now() - started) / 1000);
    log.info({ outcome, ms: Date.now() - started }, 'plan job done');
  };
}

async function plan(
  deps: PlanJobDeps,
  forge: Forge,
  job: PlanJob,
  context: JobContext,
  log: Logger,
): Promise<'planned' | 'failed' | 'no-projects' | 'config-error' | 'superseded'> {
  const { pr, headSha } = job;
  const status = (state: 'pending' | 'success' | 'failure', description: string, ctx = PLAN_CONTEXT) =>
    forge.setCommitStatus(pr.repo, headSha, { context: ctx, state, description, targetUrl: deps.publicUrl });
  const marker = planMarker(pr);
  const publish = (parts: string[]) =>
    publishComment({ forge, pr, kind: 'plan', marker, parts, ids: deps.store.comments });

  const checkout = await deps.mirrors.checkout(pr.repo, await forge.cloneAccess(pr.repo), headSha, {
    signal: context.signal,
  });
  const workDir = join(deps.dataDir, 'jobs', context.id.replace(/[^A-Za-z0-9_-]/g, '_'));
  try {
    const [changedFiles, repoFiles] = await Promise.all([forge.listChangedFiles(pr), checkout.listFiles()]);
    const read = (path: string) => readCheckoutFile(checkout.dir, path);

    let config: RepoConfig | undefined;
    const configFile = REPO_CONFIG_FILES.find((f) => repoFiles.includes(f));
    if (configFile) {
      const parsed = parseRepoConfig(read(configFile) ?? '', configFile);
      if (!parsed.ok) {
        await publish(
          await renderConfigErrorComment(parsed.issues, {
            marker,
            maxLength: forge.capabilities.maxCommentLength,
            templatesDir: deps.templatesDir,
            headSha,
          }),
        );
        await status('failure', `${configFile} is invalid; see the PR comment`);
        return 'config-error';
      }
      config = parsed.config;
    }

    const projects = discoverProjects({ changedFiles, repoFiles, readFile: read, config });
    if (projects.length === 0) {
      await status('success', 'No Terraform/OpenTofu projects changed');
      // Only touch the comment if an earlier commit had one: a docs-only PR gets no comment at all.
      const existing = await deps.store.comments.get(prKey(pr), 'plan');
      if (existing.length > 0) await publish(await render(deps, forge, pr, headSha, [], []));
      return 'no-projects';
    }

    log.info({ projects: projects.map((p) => p.name) }, 'planning');
    await status('pending', `Planning ${projects.length} project${projects.length === 1 ? '' : 's'}…`);
    await Promise.all(projects.map((p) => status('pending', 'Waiting to plan', projectContext(p))));
    await publish(await render(deps, forge, pr, headSha, [], projects));

    const tool = await deps.tool();
    const results = await mapLimit(projects, deps.parallelPlans, async (project, index) => {
      const artifactDir = join(workDir, String(index));
      await mkdir(artifactDir, { recursive: true });
      const { result, planFile, planJson } = await planProject({
        project,
        checkoutDir: checkout.dir,
        artifactDir,
        tool,
        sandbox: deps.sandbox,
        providerCacheDir: join(deps.dataDir, 'plugin-cache'),
        timeoutMs: deps.stepTimeoutMs,
        signal: context.signal,
        masker: deps.masker,
      });
      if (result.status === 'planned' && planFile && planJson) {
        await deps.store.plans.put(planKey(pr, headSha, project), {
          planFile,
          planJson,
          planText: result.planText ?? '',
          createdAt: new Date().toISOString(),
          tool: result.tool,
        });
      }
      if (!context.signal.aborted) {
        await status(
          result.status === 'planned' ? 'success' : 'failure',
          projectDescription(result),
          projectContext(project),
        );
      }
      return result;
    });

    if (context.signal.aborted) {
      if (context.signal.reason === 'superseded') {
        log.info('plan superseded by a newer commit; not reporting');
        await forge.setCommitStatus(pr.repo, headSha, {
          context: PLAN_CONTEXT,
          state: 'error',
          description: 'Superseded by a newer commit; that one is planned instead',
        });
      }
      return 'superseded';
    }
    await publish(await render(deps, forge, pr, headSha, results, []));
    const failed = results.filter((r) => r.status !== 'planned').length;
    await status(
      failed ? 'failure' : 'success',
      failed ? `${failed} of ${results.length} projects failed to plan` : `${results.length} planned`,
    );
    return failed ? 'failed' : 'planned';
  } finally {
    await checkout.dispose();
    await rm(workDir, { recursive: true, force: true });
  }
}

async function render(
  deps: PlanJobDeps,
  forge: Forge,
  pr: PullRequestRef,
  headSha: string,
  results: ProjectPlanResult[],
  pending: Project[],
): Promise<string[]> {
  const view = buildPlanView({ headSha, results, pending, commandHint: 'sluice plan' });
  return renderPlanComment(view, {
    templatesDir: deps.templatesDir,
    maxLength: forge.capabilities.maxCommentLength,
    marker: planMarker(pr),
  });
}

function projectDescription(result: ProjectPlanResult): string {
  if (result.status === 'cancelled') return 'Cancelled';
  if (result.status === 'failed') return `Plan failed at ${result.error?.step ?? 'an unknown step'}`;
  const s = result.summary;
  if (!s || s.noChanges) return 'No changes';
  return `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;
}
