import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERIC_CHANGE_REQUEST } from '../comments/change-request.js';
import { codeSpan } from '../comments/markdown.js';
import { renderPlanComment } from '../comments/render.js';
import { buildPlanView, type PlanView } from '../comments/view.js';
import type { ConfigIssue } from '../config/repo-config.js';
import { SluiceError } from '../errors.js';
import { loadRepoConfig } from '../jobs/load-repo-config.js';
import { mapLimit } from '../jobs/map-limit.js';
import { projectTool } from '../jobs/project-tool.js';
import { selectProjects } from '../jobs/select-projects.js';
import { discoverProjects } from '../projects/discover.js';
import type { Project } from '../projects/types.js';
import { findInstalledTools, type InstalledTools } from '../runner/installed-tools.js';
import { createMasker } from '../runner/mask.js';
import { resolveTool } from '../runner/resolve-tool.js';
import { createSandbox, DEFAULT_EGRESS_HOSTS } from '../runner/sandbox.js';
import { planProject } from '../runner/terraform/plan-project.js';
import { stepHome } from '../runner/terraform/project-stage.js';
import { NO_RUN_FACTS, type RunFacts } from '../runner/terraform/run-stage.js';
import type { ProjectPlanResult } from '../runner/types.js';
import { localNextSteps } from './local-advice.js';
import { localWorkflow } from './local-workflow.js';
import { linkMountsIntoHome, type Mount, resolveMounts } from './mounts.js';
import { passedNotices, resolvePassEnv } from './pass-env.js';
import type { PlanProgress } from './plan-progress.js';
import { type LocalRevisions, resolveRevisions } from './resolve-revisions.js';
import { snapshotWorkingTree } from './snapshot-working-tree.js';
import { UsageError } from './usage-error.js';
import { workingTreeChanges } from './working-tree-changes.js';

export interface LocalPlanOptions {
  /** Where to look for the repository: the current directory or `--repo`. */
  cwd: string;
  /** `--base`; default: the default branch. */
  base?: string;
  /** `-p`, `-d`, `-w`: plan only this project, changed or not. */
  target?: { project?: string; dir?: string; workspace?: string };
  /** Arguments after `--`, already vetted by the command parser. */
  extraArgs?: string[];
  /** `none` with `--no-sandbox`. */
  sandbox: 'auto' | 'none';
  /** Whether the steps may reach the network (providers, modules, a remote backend); `--no-network`: false. */
  network: boolean;
  /** Hosts the steps may reach besides the registries (`--allow-host`). */
  allowHosts?: string[];
  /** `--pass-env` names and globs; sluice.yaml's `local.pass_env` is added to them. */
  passEnv: readonly string[];
  /** `--mount` paths, shown read-only to the steps. */
  mounts: readonly string[];
  /** The developer's environment: where passed variables' values come from. */
  env: NodeJS.ProcessEnv;
  /** Aborting cancels the running plans (their process trees are killed). */
  signal: AbortSignal;
  /** Shared provider cache (TF_PLUGIN_CACHE_DIR), kept between runs. */
  providerCacheDir: string;
  /** Projects planned at the same time. Default 2. */
  parallelPlans?: number;
  /** Default 30 minutes. */
  stepTimeoutMs?: number;
  templatesDir?: string;
  /** One-line messages for the person running the command (stderr). */
  notice: (line: string) => void;
  /** Shows the projects' progress while they plan. */
  progress: (projects: readonly Project[]) => PlanProgress;
  /** Default: findInstalledTools (the provisioned OpenTofu, then PATH, plus the tools directory). */
  tools?: () => Promise<InstalledTools>;
}

export type LocalPlanOutcome =
  | { kind: 'config-error'; file: string; issues: ConfigIssue[] }
  | { kind: 'nothing-to-plan'; message: string }
  | {
      kind: 'planned';
      markdown: string;
      view: PlanView;
      results: ProjectPlanResult[];
      cancelled: boolean;
      /** What the steps were given from the developer's machine: variable names and mounted paths. */
      passed: { env: string[]; mounts: string[] };
      network: boolean;
    };

/** Comments have a size limit; a terminal does not. */
const UNLIMITED = Number.MAX_SAFE_INTEGER;

/**
 * `sluice plan` on a local checkout: the projects changed between the base and the working tree
 * (commits, staged, unstaged and untracked files alike), planned exactly as a pull request's would be
 * — same discovery, same `sluice.yaml`, same sandboxed steps — in a copy of the working tree, and
 * rendered as the pull-request comment. Throws UsageError for what the user must fix first.
 */
export async function planLocal(options: LocalPlanOptions): Promise<LocalPlanOutcome> {
  const revisions = await resolveRevisions(options.cwd, options.base);
  const scratch = await mkdtemp(join(tmpdir(), 'sluice-plan-'));
  try {
    const tree = join(scratch, 'tree');
    await mkdir(tree);
    const [files, changes] = await Promise.all([
      snapshotWorkingTree(revisions.root, tree),
      workingTreeChanges(revisions.root, revisions.mergeBase),
    ]);
    const repoConfig = await loadRepoConfig({ dir: tree, listFiles: async () => files });
    if (!repoConfig.ok) return { kind: 'config-error', file: repoConfig.file, issues: repoConfig.issues };
    const selected = selectProjects({
      job: { target: options.target },
      discovered: discoverProjects({
        changedFiles: changes.files,
        repoFiles: files,
        readFile: repoConfig.read,
        config: repoConfig.config,
      }),
      config: repoConfig.config,
    });
    if (!selected.ok) throw new UsageError(selected.message);
    // dbt projects are planned on pull requests (their production state is the server's), not here.
    const dbt = selected.projects.filter((p) => p.type === 'dbt');
    if (dbt.length > 0) {
      options.notice(
        `not planned here: dbt project${dbt.length === 1 ? '' : 's'} ${dbt.map((p) => p.dir).join(', ')} (dbt plans run on pull requests)`,
      );
    }
    const projects = selected.projects.filter((p) => p.type !== 'dbt');
    const since = `${revisions.base.ref} (${short(revisions.mergeBase)})`;
    if (projects.length === 0) {
      return {
        kind: 'nothing-to-plan',
        message: `nothing to plan: no Terraform/OpenTofu project changed since ${since} in ${
          changes.dirty ? 'the working tree' : `HEAD (${short(revisions.headSha)})`
        }.`,
      };
    }

    const passed = resolvePassEnv(
      [...options.passEnv, ...(repoConfig.config?.local?.passEnv ?? [])],
      options.env,
    );
    const mounts = await resolveMounts(options.mounts, options.cwd, revisions.root);
    for (const line of passedNotices(passed, mounts)) options.notice(line);
    const sandbox = await createSandbox({
      mode: options.sandbox,
      // Said here, not left to the sandbox's default: a local plan usually needs providers, modules
      // and a remote backend, and --no-network turns that off.
      network: options.network,
      egressHosts: [...DEFAULT_EGRESS_HOSTS, ...(options.allowHosts ?? [])],
      readOnlyPaths: mounts.map((m) => m.path),
      // The user's checkout stays out of reach: plans see (and write) only the copy.
      hide: [revisions.root],
    });
    if (sandbox.mode === 'none') options.notice(sandbox.reason);
    // Fail closed: no silent fall-back to running the plan unsandboxed (use --no-sandbox on purpose).
    if (sandbox.problem) {
      throw new SluiceError(
        'SANDBOX_UNAVAILABLE',
        `${sandbox.problem.cause}. ${sandbox.problem.fix.replace('set SLUICE_SANDBOX=none', 'pass --no-sandbox')}`,
      );
    }
    const installed = await (options.tools ?? findInstalledTools)();
    const tool = installed.default;
    const count = projects.length === 1 ? '1 project' : `${projects.length} projects`;
    const dirty = changes.dirty ? ', uncommitted changes included' : '';
    options.notice(`planning ${count} with ${tool.name} ${tool.version}: changes since ${since}${dirty}`);

    const masker = createMasker([]);
    // No pull request: its number is 0, and there is no repository name, URL, author or commenter.
    const facts: RunFacts = {
      ...NO_RUN_FACTS,
      headSha: revisions.headSha,
      headBranch: revisions.branch ?? '',
      baseBranch: revisions.base.ref,
      commentArgs: options.extraArgs ?? [],
    };
    const progress = options.progress(projects);
    let results: ProjectPlanResult[];
    try {
      results = await mapLimit(projects, options.parallelPlans ?? 2, async (project, index) => {
        progress.start(project);
        const notPlanned = (step: string, message: string): ProjectPlanResult => {
          const result: ProjectPlanResult = {
            project,
            status: 'failed',
            error: { step, message, output: '' },
            tool: { name: tool.name, version: tool.version },
            durationMs: 0,
          };
          progress.finish(result);
          return result;
        };
        const workflow = localWorkflow(repoConfig.config, repoConfig.file, project.name);
        if (!workflow.ok) return notPlanned('workflow', workflow.message);
        // The OpenTofu/Terraform the project's `tool` asks for, as on the server.
        const chosen = resolveTool(projectTool(repoConfig.config, project.name), installed);
        if (!chosen.ok) return notPlanned('tool', chosen.message);
        const artifactDir = join(scratch, 'artifacts', String(index));
        await mkdir(artifactDir, { recursive: true });
        await linkMountsIntoHome(stepHome(artifactDir), mounts);
        const { result } = await planProject({
          project,
          checkoutDir: tree,
          artifactDir,
          tool: chosen.tool,
          sandbox,
          providerCacheDir: options.providerCacheDir,
          timeoutMs: options.stepTimeoutMs ?? 30 * 60_000,
          signal: options.signal,
          masker,
          extraArgs: options.extraArgs,
          steps: workflow.workflow.plan,
          facts,
          // The developer's own variables, by name, read from their environment; values whose names
          // say they are secret are masked in everything shown.
          sandboxRules: { network: options.network, planEnv: passed.names, applyEnv: [] },
          serverEnv: options.env,
        });
        progress.finish(result);
        return result;
      });
    } finally {
      progress.stop();
    }

    const view = buildPlanView({
      headSha: revisions.headSha,
      results,
      commandHint: 'sluice plan',
      // No forge, and no locks, so the view never names a pull request here.
      changeRequest: GENERIC_CHANGE_REQUEST,
      note: localNote(revisions, changes.dirty, passed.names, mounts),
    });
    view.nextSteps = localNextSteps(results);
    const parts = await renderPlanComment(view, {
      maxLength: UNLIMITED,
      marker: '',
      templatesDir: options.templatesDir,
    });
    // No marker: the comment starts at its headline.
    const markdown = parts.join('\n').replace(/^\n+/, '');
    return {
      kind: 'planned',
      markdown,
      view,
      results,
      cancelled: options.signal.aborted,
      passed: { env: passed.names, mounts: mounts.map((m) => m.shown) },
      network: options.network,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Says what was planned, since no pull request does: the branch, the base, uncommitted changes, and
 * what the steps were given from this machine (names only).
 */
function localNote(
  revisions: LocalRevisions,
  dirty: boolean,
  env: readonly string[],
  mounts: readonly Mount[],
): string {
  const head = revisions.branch ? `${codeSpan(revisions.branch)} at ` : '';
  const commit = `${head}${codeSpan(short(revisions.headSha))}`;
  const what = dirty ? `the working tree (${commit} plus uncommitted changes)` : commit;
  const given = [
    ...(env.length > 0 ? [`Passed from your environment: ${env.map(codeSpan).join(', ')}.`] : []),
    ...(mounts.length > 0 ? [`Mounted read-only: ${mounts.map((m) => codeSpan(m.shown)).join(', ')}.`] : []),
  ];
  return [
    `Local plan of ${what}, compared with ${codeSpan(revisions.base.ref)} (merge base ${codeSpan(short(revisions.mergeBase))}).`,
    ...given,
  ].join(' ');
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
