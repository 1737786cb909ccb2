import { stripVTControlCharacters } from 'node:util';
import { trimPlan } from '../comments/plan-text.js';
import type { PlanView } from '../comments/view.js';
import type { ProjectPlanResult } from '../runner/types.js';
import { describeResult } from './plan-progress.js';

export interface TextOptions {
  /** ANSI colours (a terminal without NO_COLOR). */
  color: boolean;
  /** Lines of a project's plan or error shown before the rest is folded away; 0: never fold. */
  foldAfter: number;
}

const ESC = '\u001b[';
const MARK = /^([ \t]*)(-\/\+|\+\/-|[-+~])( |$)/;

/**
 * A local plan for a terminal: the headline, what was compared and passed, a summary table with one row
 * per project, then each project that changes or failed with its plan or error (coloured, long ones
 * folded), then what to do next. Projects without changes stay one row in the table.
 */
export function renderPlanText(
  view: PlanView,
  results: readonly ProjectPlanResult[],
  options: TextOptions,
): string {
  const paint = (code: string, text: string) => (options.color ? `${ESC}${code}m${text}${ESC}0m` : text);
  const out: string[] = [paint('1', plain(view.headline)), ''];
  if (view.note) out.push(plain(view.note), '');
  out.push(...table(results, paint), '');
  for (const result of results) {
    const section = projectSection(result, paint, options.foldAfter);
    if (section.length > 0) out.push(...section, '');
  }
  out.push(...view.nextSteps.map(plain));
  return `${out.join('\n')}\n`;
}

type Paint = (code: string, text: string) => string;

function table(results: readonly ProjectPlanResult[], paint: Paint): string[] {
  const rows = results.map((r) => ({
    mark: r.status === 'planned' ? paint('32', '✓') : paint('31', '✗'),
    project: r.project.name,
    workspace: r.project.workspace,
    result: describeResult(r),
    time: `${Math.round(r.durationMs / 1000)}s`,
  }));
  const width = (key: 'project' | 'workspace' | 'result', title: string) =>
    Math.max(title.length, ...rows.map((row) => row[key].length));
  const w = {
    project: width('project', 'PROJECT'),
    workspace: width('workspace', 'WORKSPACE'),
    result: width('result', 'RESULT'),
  };
  const line = (mark: string, project: string, workspace: string, result: string, time: string) =>
    `${mark} ${project.padEnd(w.project)}  ${workspace.padEnd(w.workspace)}  ${result.padEnd(w.result)}  ${time}`.trimEnd();
  return [
    paint('2', line(' ', 'PROJECT', 'WORKSPACE', 'RESULT', 'TIME')),
    ...rows.map((row) => line(row.mark, row.project, row.workspace, row.result, row.time)),
  ];
}

function projectSection(result: ProjectPlanResult, paint: Paint, foldAfter: number): string[] {
  const title = (what: string) => paint('1', `── ${result.project.name}${what} ──`);
  if (result.status === 'failed' && result.error) {
    const output = clean(result.error.output);
    return [
      title(` (failed at ${result.error.step})`),
      paint('31', plain(result.error.message)),
      ...(result.stepOutput ? fold(clean(result.stepOutput).split('\n'), foldAfter) : []),
      ...(output ? fold(output.split('\n'), foldAfter) : []),
    ];
  }
  if (result.status !== 'planned' || !result.summary || result.summary.noChanges) return [];
  const plan = trimPlan(result.planText ?? '');
  return [
    title(''),
    ...(result.stepOutput ? fold(clean(result.stepOutput).split('\n'), foldAfter) : []),
    ...fold(plan.split('\n'), foldAfter).map((line) => colourPlanLine(line, paint)),
  ];
}

/** Long output keeps its first lines and says how many more there are. */
function fold(lines: string[], after: number): string[] {
  if (after <= 0 || lines.length <= after) return lines;
  return [
    ...lines.slice(0, after),
    `… ${lines.length - after} more lines folded (--no-fold shows all; --format markdown or json keeps everything)`,
  ];
}

function colourPlanLine(line: string, paint: Paint): string {
  const mark = MARK.exec(line)?.[2];
  if (!mark) return line;
  if (mark === '+') return paint('32', line);
  if (mark === '-') return paint('31', line);
  if (mark === '~') return paint('33', line);
  return paint('35', line);
}

function clean(text: string): string {
  return stripVTControlCharacters(text).replace(/\r\n?/g, '\n').replace(/\s+$/, '');
}

/** Comment Markdown as terminal text: no code-span backticks, no backslash escapes. */
export function plain(markdown: string): string {
  return markdown.replace(/`+/g, '').replace(/\\([\\`*_{}[\]()#+\-.!|<>~])/g, '$1');
}
