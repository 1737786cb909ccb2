import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ApplyProjectView } from '../comments/apply-view.js';
import type { ProjectConfig } from '../config/repo-config.js';
import type { Workflow } from '../config/workflow.js';
import type { CommitState, PullRequest } from '../forge/types.js';
import type { Logger } from '../logger.js';
import type { Project } from '../projects/types.js';
import type { Checkout } from '../runner/git-mirror.js';
import type { InstalledTools } from '../runner/installed-tools.js';
import { toolOfPlan } from '../runner/resolve-tool.js';
import { applyProject } from '../runner/terraform/apply-project.js';
import type { RunFacts } from '../runner/terraform/run-stage.js';
import { attemptHostname, stateProbe } from '../runner/terraform/state-probe.js';
import { prKey } from '../store/keys.js';
import type { ApplyAttempt, PlannedProject } from '../store/types.js';
import { applyDbt } from './apply-dbt.js';
import { GIVEN_UP, keepAlive, newAttempt, previousAttempt } from './apply-journal.js';
import { recoverTerraformApply } from './recover-apply.js';
import { recoveryText } from './recovery-messages.js';
import { readReviewedPlan, TAMPERED_STATUS, tamperedPlanMessage } from './reviewed-plan.js';
import type { RunSettings } from './run-settings.js';
import type { WorkerDeps } from './worker-deps.js';

export interface ApplyAttemptInput {
  pull: PullRequest;
  planned: PlannedProject;
  project: Project;
  checkout: Checkout;
  artifactDir: string;
  tools: InstalledTools;
  runId: string;
  requestedBy: string;
  signal: AbortSignal;
  log: Logger;
  settings: RunSettings;
  steps: Workflow['apply'];
  dbt?: ProjectConfig['dbt'];
  facts: RunFacts;
  setStatus: (state: CommitState, description: string) => Promise<void>;
}

/** This worker's apply attempt was taken over by a retry (it was presumed dead): it must report nothing. */
export class AttemptTakenOver extends Error {
  constructor(claim: string) {
    super(`another worker took over the apply attempt of ${claim}; it reports the result`);
    this.name = 'AttemptTakenOver';
  }
}

/** Defaults of the timing settings WorkerDeps may leave out (src/config/env.ts sets them). */
const DEFAULT_LEASE_MS = 60_000;
const DEFAULT_RECOVERY_WAIT_MS = 60_000;
const DEFAULT_APPLY_STOP_GRACE_MS = 30_000;

/**
 * Applies one saved plan at most once, whatever happens to the worker: the attempt is recorded (with
 * the state's identity) before the tool runs, so a retried job can tell what an interrupted attempt
 * did — applied, not started, or something else — and finish, apply again or say what differs.
 */
export async function applyOnce(deps: WorkerDeps, input: ApplyAttemptInput): Promise<ApplyProjectView> {
  const { planned, project } = input;
  const view = (outcome: ApplyProjectView['outcome'], message: string, output = ''): ApplyProjectView => ({
    project,
    outcome,
    message,
    output,
  });
  const journal = deps.store.applies;
  const leaseMs = deps.jobLeaseMs ?? DEFAULT_LEASE_MS;
  const claim = `${planned.planKey}@${planned.planId}`;
  let attempt = newAttempt({
    claim,
    prKey: prKey(input.pull.ref),
    project: project.name,
    runId: input.runId,
  });
  let recovering: ApplyAttempt | undefined;
  if (!(await journal.begin(attempt))) {
    const previous = await journal.get(claim);
    const next = previousAttempt(previous, input.runId, Date.now(), leaseMs);
    if (next === 'applied') {
      await input.setStatus('success', 'Applied');
      return view('applied', recoveryText.appliedEarlier());
    }
    let ours = false;
    if (next === 'gone') ours = await journal.begin(attempt);
    else if (next === 'recover' && previous) {
      attempt = { ...attempt, phase: previous.phase, stateBefore: previous.stateBefore };
      ours = await journal.takeOver(previous.attemptId, attempt);
      if (ours) recovering = previous;
    }
    if (!ours) {
      return view(
        'busy',
        previous?.phase === 'finished'
          ? recoveryText.settled()
          : recoveryText.busy(previous?.startedAt ?? 'an earlier time'),
      );
    }
    if (recovering)
      input.log.warn(
        { project: project.name, previous: recovering.attemptId },
        'recovering an interrupted apply',
      );
  }
  const release = () => journal.release(claim);
  const finish = (outcome: string) => journal.update({ ...attempt, phase: 'finished', outcome });

  if (project.type === 'dbt')
    return applyDbtOnce(deps, input, { attempt, recovering, release, finish, view });

  const reviewed = await readReviewedPlan(deps.store, planned, input.log);
  if (!reviewed.ok && reviewed.why === 'tampered') {
    await release();
    await input.setStatus('failure', TAMPERED_STATUS);
    return view('refused', tamperedPlanMessage(reviewed.record, project.name));
  }
  const artifact = reviewed.ok ? reviewed.artifact : undefined;
  if (!artifact) {
    await release();
    await input.setStatus('failure', 'The saved plan expired');
    return view(
      'failed',
      'The saved plan is no longer stored. Comment `sluice plan`, review the new plan, then apply.',
    );
  }
  // Exactly the OpenTofu/Terraform version that made the plan, whatever the project asks for now.
  const tool = toolOfPlan(artifact.tool, input.tools);
  if (!tool.ok) {
    await release();
    await input.setStatus('failure', `Not applied: ${tool.asked} is not installed`);
    return view('refused', tool.message);
  }
  await input.setStatus('pending', recovering ? 'Checking an interrupted apply…' : 'Applying…');
  await mkdir(input.artifactDir, { recursive: true });
  const stage = {
    project,
    checkoutDir: input.checkout.dir,
    artifactDir: input.artifactDir,
    tool: tool.tool,
    sandbox: deps.sandbox,
    providerCacheDir: join(deps.dataDir, 'provider-mirror'),
    timeoutMs: input.settings.stepTimeoutMs,
    stopGraceMs: deps.applyStopGraceMs ?? DEFAULT_APPLY_STOP_GRACE_MS,
    signal: input.signal,
    masker: deps.masker,
    steps: input.steps,
    sandboxRules: input.settings.sandboxRules,
    serverEnv: deps.serverEnv ?? process.env,
    facts: input.facts,
  };
  const probed = await stateProbe({
    ...stage,
    initArgs: initArgs(input.steps),
  });
  if (!probed.ok) {
    await release();
    await input.setStatus('failure', 'Not applied: the directory is missing');
    return view('failed', probed.error.message);
  }
  const { probe } = probed;

  let note = '';
  if (recovering && recovering.phase !== 'claimed') {
    const found = await recoverTerraformApply({
      probe,
      previous: recovering,
      planJson: artifact.planJson,
      dir: project.dir,
      lockWaitMs: deps.applyRecoveryWaitMs ?? DEFAULT_RECOVERY_WAIT_MS,
    });
    input.log.warn({ project: project.name, recovery: found.kind }, 'interrupted apply checked');
    if (found.kind === 'applied') {
      await finish('applied');
      await input.setStatus('success', 'Applied');
      return view('applied', found.message);
    }
    if (found.kind === 'differs') {
      await finish('differs');
      await input.setStatus('error', found.status);
      return view('failed', found.message);
    }
    if (found.kind === 'unknown') {
      // Left for the next `sluice apply` to check again, whoever runs it.
      await journal.update({ ...attempt, heartbeatAt: GIVEN_UP });
      await input.setStatus('error', found.status);
      return view('failed', found.message);
    }
    if (deps.rules(input.pull.ref.repo).interruptedApply === 'wait') {
      await release();
      await input.setStatus('failure', 'Interrupted before it changed anything; waiting for `sluice apply`');
      return view('refused', recoveryText.waitingForApply(found.released));
    }
    note = recoveryText.reappliedNote(found.released);
  } else {
    const failed = await probe.prepare();
    if (failed) {
      await release();
      await input.setStatus('failure', `Not applied: ${failed.step} failed`);
      return view('failed', recoveryText.stateUnreadable(failed.message), failed.output);
    }
  }

  // What the state is before the tool touches it: what a retry compares against.
  const read = await probe.read();
  if (!read.ok) {
    await release();
    await input.setStatus('failure', 'Not applied: the state could not be read');
    return view('failed', recoveryText.stateUnreadable(read.error.message), read.error.output);
  }
  attempt = {
    ...attempt,
    phase: 'applying',
    stateBefore: read.identity,
    heartbeatAt: new Date().toISOString(),
  };
  if (!(await journal.update(attempt))) {
    return view('busy', recoveryText.busy(attempt.startedAt));
  }
  const alive = keepAlive(journal, attempt, Math.max(1_000, Math.floor(leaseMs / 3)), input.log);
  await input.setStatus('pending', 'Applying…');
  const outcome = await applyProject({
    ...stage,
    planFile: artifact.planFile,
    planJson: artifact.planJson,
    hostname: attemptHostname(attempt.attemptId),
  }).finally(() => alive.stop());
  attempt = alive.current();
  input.log.info(
    { project: project.name, status: outcome.status, ms: outcome.durationMs },
    'apply step done',
  );
  // This worker was presumed dead (a long pause) and a retry took the attempt over: it reports, not this one.
  if (alive.lost() || (await journal.get(claim))?.attemptId !== attempt.attemptId) {
    throw new AttemptTakenOver(claim);
  }
  if (outcome.status === 'applied') {
    await finish('applied');
    await input.setStatus('success', 'Applied');
    return view('applied', note ? `Applied. ${note}` : 'Applied.', outcome.output);
  }
  if (outcome.status === 'cancelled') {
    // Stopped on purpose (shutdown): the job is re-queued and its retry reads the state.
    await input.setStatus('pending', 'Interrupted; Sluice will check the state and finish');
    return view(
      'failed',
      'The apply was interrupted; Sluice checks the state and finishes it when the job runs again.',
      outcome.output,
    );
  }
  // Nothing was changed by a refused plan, and a failed apply may be retried: allow another run.
  await release();
  if (outcome.status === 'stale') {
    await input.setStatus('failure', 'The saved plan is stale; planning again');
    return view(
      'stale',
      'The saved plan is stale: the state changed since it was made. Sluice is planning again.',
      outcome.output,
    );
  }
  await input.setStatus('failure', `Apply failed at ${outcome.error?.step ?? 'apply'}`);
  return view(
    'failed',
    `${outcome.error?.message ?? 'Apply failed.'} The lock stays; fix the cause and comment \`sluice apply\` to retry.`,
    outcome.error?.output ?? outcome.output,
  );
}

/** A dbt project: Write-Audit-Publish publishes in one transaction, so an interrupted one is simply run again. */
async function applyDbtOnce(
  deps: WorkerDeps,
  input: ApplyAttemptInput,
  run: {
    attempt: ApplyAttempt;
    recovering: ApplyAttempt | undefined;
    release: () => Promise<void>;
    finish: (outcome: string) => Promise<boolean>;
    view: (outcome: ApplyProjectView['outcome'], message: string, output?: string) => ApplyProjectView;
  },
): Promise<ApplyProjectView> {
  await deps.store.applies.update({ ...run.attempt, phase: 'applying' });
  const alive = keepAlive(
    deps.store.applies,
    { ...run.attempt, phase: 'applying' },
    Math.max(1_000, Math.floor((deps.jobLeaseMs ?? DEFAULT_LEASE_MS) / 3)),
    input.log,
  );
  await input.setStatus('pending', 'Building and auditing…');
  const dbt = await applyDbt(deps, {
    pr: input.pull.ref,
    project: input.project,
    planKey: input.planned.planKey,
    planHash: input.planned.planHash,
    headSha: input.facts.headSha,
    checkoutDir: input.checkout.dir,
    artifactDir: input.artifactDir,
    settings: input.settings,
    dbt: input.dbt,
    requestedBy: input.requestedBy,
    signal: input.signal,
    log: input.log,
  }).finally(() => alive.stop());
  if (dbt.outcome === 'applied') await run.finish('applied');
  else await run.release();
  await input.setStatus(
    dbt.outcome === 'applied' ? 'success' : 'failure',
    dbt.outcome === 'applied'
      ? 'Published'
      : dbt.outcome === 'refused'
        ? TAMPERED_STATUS
        : dbt.outcome === 'stale'
          ? 'The saved plan is stale; planning again'
          : 'Not published',
  );
  const message = run.recovering ? `${dbt.message} ${recoveryText.dbtRerun()}` : dbt.message;
  return run.view(dbt.outcome, message, dbt.output);
}

/** The `init` step's extra arguments of the apply stage (e.g. `-backend-config=…`), for reading its state. */
function initArgs(steps: Workflow['apply'] | undefined): readonly string[] | undefined {
  for (const step of steps ?? []) if (step.kind === 'init') return step.extraArgs;
  return undefined;
}
