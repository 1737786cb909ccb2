import type { ConfigIssue } from '../config/repo-config.js';
import type { DbtPlanResult } from '../dbt/plan-result.js';
import { dbtUnchanged } from '../dbt/project-result.js';
import { dbtPlanHeadline, renderDbtPlan } from '../dbt/render-plan.js';
import type { ChangeRequestWords } from '../forge/types.js';
import { defaultProjectName } from '../projects/naming.js';
import type { Project } from '../projects/types.js';
import type { PlanSummary, ProjectPlanResult, ResourceAction } from '../runner/types.js';
import { changeRef } from './change-request.js';
import { codeSpan, escapeText, fenceFor, messageMarkdown, stripAnsi } from './markdown.js';
import { normalizeNewlines, planDiff } from './plan-text.js';

export interface PlanCommentInput {
  headSha: string;
  results: ProjectPlanResult[];
  /** Projects still waiting to be planned. */
  pending?: Project[];
  configIssues?: ConfigIssue[];
  /** The comment that plans again, e.g. "sluice plan". */
  commandHint: string;
  /** How the forge names a pull request and refers to one (ForgeCapabilities.changeRequest). */
  changeRequest: ChangeRequestWords;
  /** How this repo applies, for "what to do next". Default `merge`. */
  applyMode?: 'merge' | 'comment';
  /** Why this plan ran, when a person would not guess it (e.g. a re-plan after another PR's apply). Trusted Markdown. */
  note?: string;
  logsUrl?: string;
  /** Whether the forge renders Mermaid (ForgeCapabilities.mermaid), for dbt lineage. Default false: a text tree. */
  mermaid?: boolean;
}

/** A fenced code block: `fence` is longer than any backtick run in `body`, which has no trailing newline. */
export interface CodeBlockView {
  fence: string;
  lang: string;
  body: string;
}

/**
 * Everything the templates show, precomputed. Every string is Markdown, safe as it is: user-controlled
 * text is escaped or inside code, so templates only place values, loop and test.
 */
export interface PlanView {
  state: 'pending' | 'done' | 'empty';
  /** First line of the comment, e.g. "2 projects planned: 3 to add, 1 to change, 0 to destroy". */
  headline: string;
  /** Commit, tool and logs link, e.g. "Sluice · commit `abc1234` · OpenTofu 1.8.5". */
  meta: string;
  shortSha: string;
  /** One line per project, shown above the sections when there are enough projects to need it. */
  summary: string[];
  projects: ProjectView[];
  /** Titles of projects still waiting. */
  pending: string[];
  configIssues: string[];
  /** Why this plan ran, when it is not a push (Markdown). */
  note?: string;
  /** What the reader can do next. */
  nextSteps: string[];
}

export interface ProjectView {
  /** e.g. "`envs/prod`", "`envs/prod` · workspace `staging`". */
  title: string;
  status: 'planned' | 'no-changes' | 'failed' | 'cancelled' | 'locked';
  /** e.g. "Plan: 2 to add, 0 to change, 0 to destroy" or "Plan failed at `init`". */
  statusLabel: string;
  /** Short form for the summary list. */
  shortStatus: string;
  /** The plan's short id (src/jobs/plan-identity.ts), beside the title: approvals name it. */
  planId?: string;
  /** Why this project was planned, when it is not obvious from the diff. */
  note?: string;
  /** e.g. "Outputs that change: `url`". */
  outputs?: string;
  /** The changed resources, one per line with its action symbol, for a ```diff block. */
  resources?: CodeBlockView;
  /** The plan itself, for a folded ```diff block. */
  plan?: CodeBlockView;
  /** The error message as a Markdown quote. */
  error?: string;
  /** The failed step's output, or what a workflow's `run` steps printed, for a folded block. */
  output?: CodeBlockView;
  /** A dbt project's plan (impact table, lineage, SQL diffs), Markdown from src/dbt/render-plan.ts. */
  dbt?: string;
}

/** Resources listed by address above the folded plan; the rest are counted. */
export const MAX_LISTED_RESOURCES = 25;

/** Projects at which a summary list goes above the sections. */
export const SUMMARY_THRESHOLD = 3;

const SYMBOLS: Record<ResourceAction, string | undefined> = {
  create: '+',
  update: '!',
  delete: '-',
  replace: '-/+',
  read: '<=',
  'no-op': undefined,
};

const TOOL_NAMES = { tofu: 'OpenTofu', terraform: 'Terraform', dbt: 'dbt' } as const;

export function buildPlanView(input: PlanCommentInput): PlanView {
  const shortSha = input.headSha.slice(0, 7);
  // Projects of one PR may run different OpenTofu/Terraform versions (`tool`): then each says which.
  const toolNames = new Set(input.results.filter((r) => !r.dbt).map(toolName));
  const projects = input.results.map((r) =>
    withPlanId(
      r.dbt
        ? dbtProjectView(r, r.dbt, input.mermaid ?? false)
        : withTool(projectView(r, input.changeRequest), r, toolNames.size > 1),
      r,
    ),
  );
  const pending = (input.pending ?? []).map(projectTitle);
  const state = pending.length > 0 ? 'pending' : projects.length > 0 ? 'done' : 'empty';
  const tools = [...new Set(input.results.map(toolName))];
  const meta = [`Sluice · commit ${codeSpan(shortSha)}`, ...tools.map(escapeText)];
  const logs = safeUrl(input.logsUrl);
  if (logs) meta.push(`[logs](${logs})`);
  return {
    state,
    headline: headline(input.results, pending.length),
    meta: meta.join(' · '),
    shortSha,
    summary: projects.length >= SUMMARY_THRESHOLD ? projects.map((p) => `${p.title} — ${p.shortStatus}`) : [],
    projects,
    pending,
    configIssues: (input.configIssues ?? []).map(issueLine),
    note: input.note,
    nextSteps: nextSteps(input.results, state, codeSpan(input.commandHint), input.applyMode ?? 'merge'),
  };
}

function headline(results: readonly ProjectPlanResult[], pending: number): string {
  const total = results.length + pending;
  if (pending > 0) {
    const done = results.length > 0 ? ` (${results.length} done)` : '';
    return `Planning ${count(total, 'project')}…${done}`;
  }
  if (total === 0) return 'Nothing to plan';
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'locked').length;
  const cancelled = results.filter((r) => r.status === 'cancelled').length;
  if (failed + cancelled > 0) {
    const [first] = results;
    if (total === 1 && first) {
      return `Plan ${failed ? 'failed' : 'cancelled'} for ${projectTitle(first.project)}`;
    }
    if (failed === 0) return `${cancelled} of ${count(total, 'project')} cancelled`;
    return `${failed} of ${count(total, 'project')} failed${cancelled ? `, ${cancelled} cancelled` : ''}`;
  }
  const totals = { add: 0, change: 0, destroy: 0 };
  for (const r of results) {
    totals.add += r.summary?.add ?? 0;
    totals.change += r.summary?.change ?? 0;
    totals.destroy += r.summary?.destroy ?? 0;
  }
  const planned = `${count(total, 'project')} planned`;
  if (results.every(unchanged)) return `${planned}: no changes`;
  const dbt = results.flatMap((r) => (r.dbt ? [r.dbt] : []));
  if (dbt.length === 0) return `${planned}: ${counts(totals)}`;
  // Terraform counts resources, dbt models: each says its own.
  const parts: string[] = [];
  const terraform = results.filter((r) => !r.dbt);
  if (terraform.length > 0) {
    parts.push(terraform.every(unchanged) ? 'no infrastructure changes' : counts(totals));
  }
  const changed = dbt.reduce((n, d) => n + d.changes.length, 0);
  const downstream = dbt.reduce((n, d) => n + d.downstream.length, 0);
  parts.push(`dbt: ${count(changed, 'change')}, ${downstream} downstream`);
  return `${planned}: ${parts.join('; ')}`;
}

/** No changes: Terraform's own word, or no dbt node changed. */
function unchanged(result: ProjectPlanResult): boolean {
  return result.dbt ? dbtUnchanged(result.dbt) : (result.summary?.noChanges ?? false);
}

/** A dbt project's section: its status line, then the dbt plan as renderDbtPlan writes it. */
function dbtProjectView(result: ProjectPlanResult, dbt: DbtPlanResult, mermaid: boolean): ProjectView {
  const title = projectTitle(result.project);
  const body = renderDbtPlan(dbt, { mermaid, headline: false });
  const statusLabel = dbtPlanHeadline(dbt);
  if (result.status === 'failed' || result.status === 'cancelled') {
    return {
      title,
      status: result.status,
      statusLabel,
      shortStatus: dbt.status === 'error' ? 'dbt could not plan' : result.status,
      dbt: body,
    };
  }
  const none = dbtUnchanged(dbt);
  return {
    title,
    status: none ? 'no-changes' : 'planned',
    statusLabel,
    shortStatus: none
      ? 'no dbt changes'
      : `${count(dbt.changes.length, 'dbt change')}, ${dbt.downstream.length} downstream`,
    dbt: body,
  };
}

function projectView(result: ProjectPlanResult, words: ChangeRequestWords): ProjectView {
  const title = projectTitle(result.project);
  const note =
    result.project.reason === 'module' ? '_Planned because a local module it calls changed._' : undefined;
  if (result.status === 'locked' && result.lockedBy) {
    const by = result.lockedBy;
    const ref = changeRef(words, by.prNumber);
    return {
      title,
      status: 'locked',
      statusLabel: `Locked by ${ref}`,
      shortStatus: `locked by ${ref}`,
      note,
      error: quote(
        `Not planned: [${ref}](${safeUrl(by.prUrl) ?? ''}) by ${escapeText(by.author)} holds this project's lock since ${escapeText(by.acquiredAt.slice(0, 16).replace('T', ' '))} UTC (plan of ${codeSpan(by.headSha.slice(0, 7))}). It is released when that ${words.noun} is merged and applied, or closed, or someone comments ${codeSpan('sluice unlock')} there. Sluice plans this one again then.`,
      ),
    };
  }
  if (result.status !== 'planned') {
    const step = result.error?.step;
    const failed = result.status === 'failed';
    const statusLabel = failed ? `Plan failed${step ? ` at ${codeSpan(step)}` : ''}` : 'Plan cancelled';
    const message = result.error?.message ? normalizeNewlines(stripAnsi(result.error.message)).trim() : '';
    const output = result.error?.output
      ? normalizeNewlines(stripAnsi(result.error.output)).replace(/\s+$/, '')
      : '';
    return {
      title,
      status: result.status,
      statusLabel,
      shortStatus: failed ? `failed${step ? ` at ${codeSpan(step)}` : ''}` : 'cancelled',
      note,
      error: message ? quote(messageMarkdown(message)) : undefined,
      output: output ? codeBlock('text', output) : undefined,
    };
  }
  const summary = result.summary;
  if (summary?.noChanges) {
    return {
      title,
      status: 'no-changes',
      statusLabel: 'No changes. Infrastructure matches the configuration.',
      shortStatus: 'no changes',
      note,
      output: stepOutput(result),
    };
  }
  const plan = result.planText ? planDiff(result.planText) : '';
  return {
    title,
    status: 'planned',
    statusLabel: summary ? `Plan: ${counts(summary)}${replacements(summary)}` : 'Planned',
    shortStatus: summary ? counts(summary) : 'planned',
    note,
    outputs: summary?.outputChanges.length
      ? `Outputs that change: ${summary.outputChanges.map(codeSpan).join(', ')}`
      : undefined,
    resources: summary ? resourceList(summary) : undefined,
    plan: plan ? codeBlock('diff', plan) : undefined,
    output: stepOutput(result),
  };
}

/** What a workflow's `run` steps printed (already masked), when there were any. */
function stepOutput(result: ProjectPlanResult): CodeBlockView | undefined {
  const output = result.stepOutput ? normalizeNewlines(stripAnsi(result.stepOutput)).replace(/\s+$/, '') : '';
  return output ? codeBlock('text', output) : undefined;
}

function toolName(result: ProjectPlanResult): string {
  return `${TOOL_NAMES[result.tool.name]} ${result.tool.version}`;
}

/** A planned project's section shows its plan's short id: what an approval is given for. */
function withPlanId(view: ProjectView, result: ProjectPlanResult): ProjectView {
  return result.status === 'planned' && result.planId ? { ...view, planId: result.planId } : view;
}

/** A planned project's section names the tool that planned it when the comment has more than one. */
function withTool(view: ProjectView, result: ProjectPlanResult, several: boolean): ProjectView {
  if (!several || result.status !== 'planned') return view;
  const planned = `_Planned with ${escapeText(toolName(result))}._`;
  return { ...view, note: view.note ? `${view.note} ${planned}` : planned };
}

export function projectTitle(project: Project): string {
  const parts = [codeSpan(project.dir)];
  if (project.workspace !== 'default') parts.push(`workspace ${codeSpan(project.workspace)}`);
  if (project.name !== defaultProjectName(project.dir, project.workspace)) {
    parts.unshift(codeSpan(project.name));
  }
  return parts.join(' · ');
}

function resourceList(summary: PlanSummary): CodeBlockView | undefined {
  const lines = summary.resources.flatMap((r) => {
    const symbol = SYMBOLS[r.action];
    return symbol ? [`${symbol.padEnd(3)} ${r.address}`] : [];
  });
  if (lines.length === 0) return undefined;
  const shown = lines.slice(0, MAX_LISTED_RESOURCES);
  if (lines.length > shown.length)
    shown.push(`    … and ${lines.length - shown.length} more in the plan below`);
  return codeBlock('diff', shown.join('\n'));
}

function nextSteps(
  results: readonly ProjectPlanResult[],
  state: PlanView['state'],
  command: string,
  applyMode: 'merge' | 'comment',
): string[] {
  if (state === 'pending') return ['This comment is updated when the plans finish.'];
  if (state === 'empty') {
    return ['No Terraform or OpenTofu project changes as of this commit, so there is nothing to apply.'];
  }
  if (results.some((r) => r.status === 'failed')) {
    return [
      `Fix the error and push; Sluice plans every new commit. To retry without a change: comment ${command}.`,
    ];
  }
  if (results.some((r) => r.status === 'cancelled')) {
    return [`To plan again: comment ${command} or push a new commit.`];
  }
  if (results.every(unchanged)) return [`Nothing to apply. To plan again: comment ${command}.`];
  const apply =
    applyMode === 'merge' ? 'approve and merge' : `approve, then comment ${codeSpan('sluice apply')}`;
  return [`To plan again: comment ${command}. To apply: ${apply}.`];
}

function issueLine(issue: ConfigIssue): string {
  // One line, as in the config error comment: a list item's continuation lines would read as one anyway.
  const message = messageMarkdown(issue.message).replace(/\n/g, ' ');
  return `${codeSpan(`${issue.file}:${issue.line}:${issue.column}`)} — ${message}`;
}

export function codeBlock(lang: string, body: string): CodeBlockView {
  return { fence: fenceFor(body), lang, body };
}

function quote(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => (line.trim() ? `> ${line}` : '>'))
    .join('\n');
}

function counts(s: { add: number; change: number; destroy: number }): string {
  return `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;
}

function replacements(s: PlanSummary): string {
  return s.replace > 0 ? ` (${count(s.replace, 'replacement')})` : '';
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** Only http(s) URLs, with the characters that could end a Markdown link destination encoded. */
function safeUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return undefined;
    return parsed.href.replace(/[()<> ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  } catch {
    return undefined;
  }
}
