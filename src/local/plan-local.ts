import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GENERIC_CHANGE_REQUEST } from '../comments/change-request.js';
import { codeSpan } from '../comments/markdown.js';
import { renderPlanComment } from '../comments/render.js';
import { buildPlanView } from '../comments/view.js';
import type { ConfigIssue } from '../config/repo-config.js';
import { loadRepoConfig } from '../jobs/load-repo-config.js';
import { mapLimit } from '../jobs/map-limit.js';
import { selectProjects } from '../jobs/select-projects.js';
import { discoverProjects } from '../projects/discover.js';
import type { Project } from '../projects/types.js';
import { createMasker } from '../runner/mask.js';
import { createSandbox } from '../runner/sandbox.js';
import { planProject } from '../runner/terraform/plan-project.js';
import { findTerraformTool, type ToolInfo } from '../runner/tools.js';
import type { ProjectPlanResult } from '../runner/types.js';
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
  /** Default: findTerraformTool (the provisioned OpenTofu, then PATH). */
  tool?: () => Promise<ToolInfo>;
}

export type LocalPlanOutcome =
  | { kind: 'config-error'; file: string; issues: ConfigIssue[] }
  | { kind: 'nothing-to-plan'; message: string }
  | { kind: 'planned'; markdown: string; results: ProjectPlanResult[]; cancelled: boolean };

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

    const sandbox = await createSandbox({
      mode: options.sandbox,
      network: true,
      readOnlyPaths: [],
      // The user's checkout stays out of reach: plans see (and write) only the copy.
      hide: [revisions.root],
    });
    if (sandbox.mode === 'none') options.notice(sandbox.reason);
    const tool = await (options.tool ?? findTerraformTool)();
    const count = projects.length === 1 ? '1 project' : `${projects.length} projects`;
    const dirty = changes.dirty ? ', uncommitted changes included' : '';
    options.notice(`planning ${count} with ${tool.name} ${tool.version}: changes since ${since}${dirty}`);

    const masker = createMasker([]);
    const progress = options.progress(projects);
    let results: ProjectPlanResult[];
    try {
      results = await mapLimit(projects, options.parallelPlans ?? 2, async (project, index) => {
        progress.start(project);
        const artifactDir = join(scratch, 'artifacts', String(index));
        await mkdir(artifactDir, { recursive: true });
        const { result } = await planProject({
          project,
          checkoutDir: tree,
          artifactDir,
          tool,
          sandbox,
          providerCacheDir: options.providerCacheDir,
          timeoutMs: options.stepTimeoutMs ?? 30 * 60_000,
          signal: options.signal,
          masker,
          extraArgs: options.extraArgs,
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
      note: localNote(revisions, changes.dirty),
    });
    const parts = await renderPlanComment(view, {
      maxLength: UNLIMITED,
      marker: '',
      templatesDir: options.templatesDir,
    });
    // No marker: the comment starts at its headline.
    const markdown = parts.join('\n').replace(/^\n+/, '');
    return { kind: 'planned', markdown, results, cancelled: options.signal.aborted };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Says what was planned, since no pull request does: the branch, the base, and uncommitted changes. */
function localNote(revisions: LocalRevisions, dirty: boolean): string {
  const head = revisions.branch ? `${codeSpan(revisions.branch)} at ` : '';
  const commit = `${head}${codeSpan(short(revisions.headSha))}`;
  const what = dirty ? `the working tree (${commit} plus uncommitted changes)` : commit;
  return `Local plan of ${what}, compared with ${codeSpan(revisions.base.ref)} (merge base ${codeSpan(short(revisions.mergeBase))}).`;
}

function short(sha: string): string {
  return sha.slice(0, 7);
}
