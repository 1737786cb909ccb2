import type { Project } from '../projects/types.js';
import type { ProjectPlanResult } from '../runner/types.js';

/** Told when each project starts and ends; draws nothing in the plan's output. */
export interface PlanProgress {
  start(project: Project): void;
  finish(result: ProjectPlanResult): void;
  /** Prints a line of its own above the live list (which a plain write would garble). */
  note(line: string): void;
  /** Draws the final state and gives the terminal back (cursor shown). Safe to call twice. */
  stop(): void;
}

/** Where progress goes: stderr, or a stand-in in tests. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
  rows?: number;
}

export interface ProgressOptions {
  stream: ProgressStream;
  projects: readonly Project[];
  /** Colour the marks (green ✓, red ✗). Default: on a terminal, unless NO_COLOR is set. */
  color?: boolean;
  /** Milliseconds between spinner frames. */
  intervalMs?: number;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const ESC = '\u001b[';

type Line =
  | { state: 'waiting' }
  | { state: 'running'; since: number }
  | { state: 'done'; ok: boolean; text: string };

/**
 * On a terminal, one line per project redrawn in place (◦ waiting, spinner while planning, ✓ or ✗
 * with the outcome). Elsewhere, or when the projects would not fit on the screen, one plain line per
 * finished project.
 */
export function createPlanProgress(options: ProgressOptions): PlanProgress {
  const { stream, projects } = options;
  const color = options.color ?? (Boolean(stream.isTTY) && !process.env.NO_COLOR);
  const paint = (code: string, text: string) => (color ? `${ESC}${code}m${text}${ESC}0m` : text);
  const live = Boolean(stream.isTTY) && projects.length < (stream.rows || 24) - 1;
  const lines = new Map<Project, Line>(projects.map((p) => [p, { state: 'waiting' }]));
  const width = Math.max(...projects.map((p) => p.name.length), 0);
  let frame = 0;
  let drawn = false;
  let stopped = false;

  const render = (project: Project, line: Line): string => {
    const name = project.name.padEnd(width);
    if (line.state === 'waiting') return `  ${paint('2', '◦')} ${name}  ${paint('2', 'waiting')}`;
    if (line.state === 'running') {
      const seconds = Math.floor((Date.now() - line.since) / 1000);
      return `  ${paint('36', FRAMES[frame % FRAMES.length] as string)} ${name}  planning… ${seconds}s`;
    }
    return `  ${line.ok ? paint('32', '✓') : paint('31', '✗')} ${name}  ${line.text}`;
  };
  const draw = () => {
    const columns = stream.columns || 80;
    let out = drawn ? `${ESC}${lines.size}A` : `${ESC}?25l`;
    for (const [project, line] of lines) out += `\r${ESC}2K${fitToWidth(render(project, line), columns)}\n`;
    stream.write(out);
    drawn = true;
  };
  const timer = live
    ? setInterval(() => {
        frame++;
        draw();
      }, options.intervalMs ?? 80)
    : undefined;
  timer?.unref();
  if (live) draw();

  return {
    start(project) {
      lines.set(project, { state: 'running', since: Date.now() });
      if (live) draw();
    },
    finish(result) {
      const line: Line = { state: 'done', ok: result.status === 'planned', text: describeResult(result) };
      lines.set(result.project, line);
      if (live) draw();
      else stream.write(`${render(result.project, line).trimStart()}\n`);
    },
    note(line) {
      if (!live || stopped || !drawn) {
        stream.write(`${line}\n`);
        return;
      }
      // Up over the list, clear it, print the line, draw the list again below it.
      stream.write(`${ESC}${lines.size}A\r${ESC}J${line}\n`);
      drawn = false;
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (live) {
        draw();
        stream.write(`${ESC}?25h`);
      }
    },
  };
}

/** One line on how a project's plan ended, e.g. "1 to add, 0 to change, 0 to destroy". */
export function describeResult(result: ProjectPlanResult): string {
  if (result.status === 'cancelled') return 'cancelled';
  if (result.status === 'locked') return `locked by #${result.lockedBy?.prNumber}`;
  if (result.status === 'failed') return `failed at ${result.error?.step ?? 'an unknown step'}`;
  const s = result.summary;
  if (!s || s.noChanges) return 'no changes';
  return `${s.add} to add, ${s.change} to change, ${s.destroy} to destroy`;
}

/** Cuts a line to the terminal's width (counting escape sequences as nothing), so nothing wraps. */
function fitToWidth(line: string, columns: number): string {
  let visible = 0;
  let out = '';
  let styled = false;
  for (let i = 0; i < line.length; i++) {
    if (line[i] === '\u001b') {
      const end = line.indexOf('m', i);
      out += line.slice(i, end + 1);
      styled = true;
      i = end;
      continue;
    }
    // A cut line may have cut off the end of a colour: reset it.
    if (visible >= columns - 1) return styled ? `${out}${ESC}0m` : out;
    out += line[i];
    visible++;
  }
  return out;
}
