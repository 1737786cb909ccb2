import { createHash, randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { codeSpan } from '../comments/markdown.js';
import type { ProjectConfig } from '../config/repo-config.js';
import type { DbtPlanResult } from '../dbt/plan-result.js';
import type { Forge, PullRequestRef } from '../forge/types.js';
import { withLogContext } from '../log-context.js';
import type { Logger } from '../logger.js';
import type { Project } from '../projects/types.js';
import {
  applyDbtProject,
  type DbtApplyOutcome,
  rollbackDbtProject,
} from '../runner/dbt/apply-dbt-project.js';
import { dbtProductionKey, repoKey } from '../store/keys.js';
import { attemptWorkDir } from './attempt-work-dir.js';
import { dbtSessionOptions } from './dbt-session-options.js';
import { reply } from './reply.js';
import { readReviewedDbtPlan, tamperedPlanMessage } from './reviewed-plan.js';
import type { RunSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

/** How long old physical tables stay after a newer deployment replaced them (the last two always stay). */
export const DBT_RETENTION_MS = 7 * 24 * 3600 * 1000;

export interface DbtApplyInput {
  pr: PullRequestRef;
  project: Project;
  /** Where the reviewed plan is stored (keys.ts planKey). */
  planKey: string;
  /** The stored plan's content hash the PR's plan state recorded: only that plan is applied. */
  planHash?: string;
  headSha: string;
  checkoutDir: string;
  artifactDir: string;
  settings: Pick<RunSettings, 'stepTimeoutMs' | 'sandboxRules'>;
  /** The reviewed commit's `dbt` settings for the project: profiles folder, apply output. */
  dbt?: ProjectConfig['dbt'];
  requestedBy: string;
  signal: AbortSignal;
  log: Logger;
}

export type DbtApplyResult =
  | { outcome: 'applied' | 'failed'; message: string; output: string }
  | { outcome: 'refused'; message: string; output: string }
  | { outcome: 'stale'; message: string; output: string };

/**
 * Applies one dbt project of a PR as reviewed: only when the stored plan was made against the
 * production that is live now (else it is stale and planned again), Write-Audit-Publish at the
 * reviewed commit, then the deployment is recorded and becomes what the next plans compare against.
 */
/** {@link applyDbtInProject}, with the project named on every log line it writes. */
export function applyDbt(deps: WorkerDeps, input: DbtApplyInput): Promise<DbtApplyResult> {
  return withLogContext({ project: input.project.name }, () => applyDbtInProject(deps, input));
}

async function applyDbtInProject(deps: WorkerDeps, input: DbtApplyInput): Promise<DbtApplyResult> {
  const reviewed = await readReviewedDbtPlan(deps.store, input, input.log);
  if (!reviewed.ok && reviewed.why === 'tampered') {
    return {
      outcome: 'refused',
      message: tamperedPlanMessage(reviewed.record, input.project.name),
      output: '',
    };
  }
  const artifact = reviewed.ok ? reviewed.artifact : undefined;
  if (!artifact) {
    return {
      outcome: 'failed',
      message:
        'The saved dbt plan is no longer stored. Comment `sluice plan`, review the new plan, then apply.',
      output: '',
    };
  }
  const planned = JSON.parse(artifact.resultJson) as DbtPlanResult;
  const key = dbtProductionKey(input.pr.repo, input.project);
  const production = await deps.store.dbt.getProduction(key);
  const liveHash = production ? sha256(production.manifest) : undefined;
  if (planned.baseManifestHash !== liveHash) {
    return {
      outcome: 'stale',
      message:
        'The saved dbt plan is stale: production changed (another deployment or a rollback) since it was made. Sluice is planning again.',
      output: '',
    };
  }
  const deployments = await deps.store.dbt.deployments(key);
  const outcome = await applyDbtProject({
    ...(await dbtSessionOptions(deps, input, 'apply')),
    current: deployments[0],
    deployments,
    retentionMs: DBT_RETENTION_MS,
    now: () => new Date(),
  });
  input.log.info({ project: input.project.name, status: outcome.status }, 'dbt apply done');
  if (outcome.status !== 'applied' || !outcome.deployment) return notApplied(outcome);
  await deps.store.dbt.recordDeployment(key, repoKey(input.pr.repo), {
    ...outcome.deployment,
    id: deploymentId(),
    kind: 'apply',
    project: { name: input.project.name, dir: input.project.dir },
    sha: input.headSha,
    prNumber: input.pr.number,
    requestedBy: input.requestedBy,
    at: new Date().toISOString(),
  });
  return { outcome: 'applied', message: outcome.message, output: outcome.output };
}

/**
 * `sluice rollback [-p project]`: points a dbt project's public views at the previous deployment's
 * tables again, without building. Without `-p`: the projects whose live deployment came from this PR.
 */
export async function rollbackDbt(
  deps: WorkerDeps,
  forge: Forge,
  request: { pr: PullRequestRef; project?: string; requestedBy: string; runId: string; signal: AbortSignal },
  settings: Pick<RunSettings, 'stepTimeoutMs' | 'sandboxRules'>,
  log: Logger,
): Promise<void> {
  const { pr } = request;
  const words = forge.capabilities.changeRequest;
  const live = await deps.store.dbt.latestDeployments(repoKey(pr.repo));
  const chosen = request.project
    ? live.filter((d) => d.project.name === request.project)
    : live.filter((d) => d.kind === 'apply' && d.prNumber === pr.number);
  if (chosen.length === 0) {
    await reply(
      forge,
      pr,
      request.project
        ? `Nothing to roll back: dbt project ${codeSpan(request.project)} has no deployment.`
        : `Nothing to roll back: no dbt project's live deployment came from this ${words.noun}. Name one with \`sluice rollback -p <project>\`.`,
    );
    return;
  }
  const lines: string[] = [];
  for (const current of chosen) {
    const key = dbtProductionKey(pr.repo, current.project);
    const [, restore] = await deps.store.dbt.deployments(key);
    const name = codeSpan(current.project.name);
    if (!restore) {
      lines.push(`- ${name}: not rolled back — there is no earlier deployment to go back to.`);
      continue;
    }
    const project: Project = { ...current.project, workspace: 'default', type: 'dbt', reason: 'config' };
    const workDir = attemptWorkDir(deps.dataDir, 'rollback', request.runId);
    const checkout = await deps.mirrors.checkout(pr.repo, await forge.cloneAccess(pr.repo), restore.sha, {
      signal: request.signal,
    });
    try {
      const outcome = await rollbackDbtProject({
        ...(await dbtSessionOptions(
          deps,
          {
            project,
            checkoutDir: checkout.dir,
            artifactDir: join(workDir, current.project.name.replace(/[^A-Za-z0-9_-]/g, '_')),
            settings,
            signal: request.signal,
          },
          'apply',
        )),
        current,
        restore,
      });
      log.info({ project: project.name, status: outcome.status }, 'dbt rollback done');
      if (outcome.status === 'applied' && outcome.deployment) {
        await deps.store.dbt.recordDeployment(key, repoKey(pr.repo), {
          ...outcome.deployment,
          id: deploymentId(),
          kind: 'rollback',
          project: current.project,
          sha: restore.sha,
          prNumber: pr.number,
          requestedBy: request.requestedBy,
          at: new Date().toISOString(),
        });
      }
      lines.push(`- ${name}: ${outcome.message}`);
    } finally {
      await checkout.dispose();
      await rm(workDir, { recursive: true, force: true });
    }
  }
  await reply(forge, pr, [`**dbt rollback** requested by @${request.requestedBy}:`, '', ...lines].join('\n'));
}

function notApplied(outcome: DbtApplyOutcome): DbtApplyResult {
  return { outcome: 'failed', message: outcome.message, output: outcome.output };
}

function deploymentId(): string {
  return `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomUUID().slice(0, 8)}`;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
