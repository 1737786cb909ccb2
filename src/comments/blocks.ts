/**
 * Tracks which Markdown blocks are open, line by line: a fenced code block (CommonMark rules) and
 * nested `<details>` elements (outside code). Enough to split or tidy a comment without breaking either.
 */

export interface OpenFence {
  /** The opening line as written, e.g. "```diff". */
  line: string;
  char: '`' | '~';
  length: number;
}

export interface OpenDetails {
  /** The opening tag as written, e.g. `<details>` or `<details open>`. */
  tag: string;
  /** Inner HTML of its `<summary>`, once seen. */
  summary: string;
}

export interface BlockState {
  fence?: OpenFence;
  details: readonly OpenDetails[];
}

export const TOP_LEVEL: BlockState = { details: [] };

const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
const TAGS = /<details\b[^>]*>|<\/details\s*>|<summary>([\s\S]*?)<\/summary>/gi;
const CODE_SPAN = /(`+)[\s\S]*?\1/g;

/** The state after `line` (without its newline), given the state before it. */
export function advance(state: BlockState, line: string): BlockState {
  if (state.fence) {
    const close = FENCE_CLOSE.exec(line);
    const marker = close?.[1];
    if (marker && marker[0] === state.fence.char && marker.length >= state.fence.length) {
      return { details: state.details };
    }
    return state;
  }
  const open = FENCE_OPEN.exec(line);
  const marker = open?.[1];
  if (marker && !(marker[0] === '`' && open[2]?.includes('`'))) {
    return { details: state.details, fence: { line, char: marker[0] as '`' | '~', length: marker.length } };
  }
  if (!/<\/?(?:details|summary)/i.test(line)) return state;
  const details = [...state.details];
  for (const tag of line.replace(CODE_SPAN, '').matchAll(TAGS)) {
    const text = tag[0].toLowerCase();
    if (text.startsWith('</details')) details.pop();
    else if (text.startsWith('<details')) details.push({ tag: tag[0], summary: '' });
    else {
      const top = details[details.length - 1];
      if (top && top.summary === '') details[details.length - 1] = { ...top, summary: tag[1] ?? '' };
    }
  }
  return { details };
}

export function isTopLevel(state: BlockState): boolean {
  return !state.fence && state.details.length === 0;
}

/** What re-opens the blocks of `state` at the top of a new part. */
export function reopen(state: BlockState): string {
  let out = '';
  for (const d of state.details) {
    const summary = d.summary ? `${d.summary} (continued)` : 'Continued';
    out += `${d.tag}<summary>${summary}</summary>\n\n`;
  }
  if (state.fence) out += `${state.fence.line}\n`;
  return out;
}

/** What closes the blocks of `state` at the end of a part; `midLine` when the part ends without a newline. */
export function close(state: BlockState, midLine = false): string {
  let out = '';
  if (state.fence) out += `${midLine ? '\n' : ''}${state.fence.char.repeat(state.fence.length)}\n`;
  else if (midLine && state.details.length > 0) out += '\n';
  for (let i = 0; i < state.details.length; i++) out += '\n</details>\n';
  return out;
}
