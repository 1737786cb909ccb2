import { advance, type BlockState, close, isTopLevel, reopen, TOP_LEVEL } from './blocks.js';

/** One part of a split body: `content` is a slice of the original; `prefix`/`suffix` re-open and close blocks. */
export interface SplitPart {
  prefix: string;
  content: string;
  suffix: string;
}

/** A place a part may end: everything before it, plus what closes its open blocks, fits. */
interface Boundary {
  /** Index of the first line after the boundary. */
  line: number;
  /** Length of the part's content up to the boundary. */
  offset: number;
  state: BlockState;
  /**
   * 4: before a heading at the top level; 3: after a blank line at the top level; 2: after a blank line
   * in a code block (between the resources of a plan); 1: any line end.
   */
  rank: number;
  /** False right after a line that opens a block: the part would end with an empty one. */
  eligible: boolean;
  midLine: boolean;
}

const HEADING = /^#{1,6}\s/;

/** A boundary of a better rank is only used if the part is at least this full: no near-empty parts. */
const MIN_FILL = 0.25;
/** A blank line in code is only worth ending a part early for when little room is lost. */
const MIN_FILL_IN_CODE = 0.75;

/**
 * Splits a Markdown body into parts of at most `maxLength` characters. Prefers to split before a
 * heading (between project sections), then between paragraphs, then at a blank line in code (between
 * the resources of a plan) if little room is lost, then between any two lines; a line too
 * long for a part is cut. A split inside a code fence or `<details>` closes it at the end of the part
 * and re-opens it (same fence and language; summary marked "(continued)") at the top of the next.
 */
export function splitMarkdown(body: string, maxLength: number): string[] {
  return splitMarkdownParts(body, maxLength).map((p) => p.prefix + p.content + p.suffix);
}

export function splitMarkdownParts(body: string, maxLength: number): SplitPart[] {
  const lines = body.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  const parts: SplitPart[] = [];
  /** For a line already cut: the state after the whole line, applied when its last piece is taken. */
  const afterCut = new Map<number, BlockState>();
  const stateAfter = (j: number, before: BlockState) =>
    afterCut.get(j) ?? advance(before, (lines[j] as string).replace(/\n$/, ''));
  const cutLine = (j: number, before: BlockState, room: number) => {
    const line = lines[j] as string;
    // Keep at least one character back: the line's own effect on blocks applies with its last piece.
    const cut = safeCut(line, Math.min(room, line.length - 1));
    if (!afterCut.has(j)) afterCut.set(j, stateAfter(j, before));
    lines[j] = line.slice(cut);
    return line.slice(0, cut);
  };

  let state: BlockState = TOP_LEVEL;
  let i = 0;
  while (i < lines.length) {
    const prefix = reopen(state);
    const boundaries: Boundary[] = [];
    let content = '';
    let current = state;
    let j = i;
    for (; j < lines.length; j++) {
      const line = lines[j] as string;
      if (prefix.length + content.length + line.length > maxLength) break;
      const before = current;
      current = stateAfter(j, before);
      content += line;
      const midLine = !line.endsWith('\n');
      if (prefix.length + content.length + close(current, midLine).length > maxLength) continue;
      const next = lines[j + 1];
      let rank = 1;
      if (isTopLevel(current) && next !== undefined && HEADING.test(next)) rank = 4;
      else if (isTopLevel(current) && line.trim() === '') rank = 3;
      else if (current.fence && line.trim() === '') rank = 2;
      boundaries.push({
        line: j + 1,
        offset: content.length,
        state: current,
        rank,
        eligible: !opensBlock(before, current),
        midLine,
      });
    }

    const last = boundaries[boundaries.length - 1];
    if (last && last.line === lines.length) {
      parts.push({ prefix, content, suffix: close(last.state, last.midLine) });
      break;
    }
    // A line that fits in no part is cut anyway: start cutting it here rather than leave the room unused.
    if (
      last &&
      last.line === j &&
      !fitsAlone(lines[j] as string, last.state, stateAfter(j, last.state), maxLength)
    ) {
      const room = maxLength - prefix.length - last.offset - close(last.state, true).length;
      if (room >= 1 && (lines[j] as string).length > 1) {
        const piece = cutLine(j, last.state, room);
        parts.push({
          prefix,
          content: content.slice(0, last.offset) + piece,
          suffix: close(last.state, true),
        });
        i = j;
        state = last.state;
        continue;
      }
    }
    const boundary = chooseBoundary(boundaries, maxLength);
    if (boundary) {
      parts.push({
        prefix,
        content: content.slice(0, boundary.offset),
        suffix: close(boundary.state, boundary.midLine),
      });
      i = boundary.line;
      state = boundary.state;
      continue;
    }
    // Not even the first line fits: cut it, keeping the blocks around it open.
    const room = maxLength - prefix.length - close(state, true).length;
    if (room < 1 || (lines[i] as string).length < 2)
      throw new RangeError(`maxLength ${maxLength} is too small to re-open the blocks a part needs`);
    parts.push({ prefix, content: cutLine(i, state, room), suffix: close(state, true) });
  }
  return parts;
}

function fitsAlone(line: string, before: BlockState, after: BlockState, maxLength: number): boolean {
  return reopen(before).length + line.length + close(after, !line.endsWith('\n')).length <= maxLength;
}

function opensBlock(before: BlockState, after: BlockState): boolean {
  return (!before.fence && after.fence !== undefined) || after.details.length > before.details.length;
}

function chooseBoundary(boundaries: readonly Boundary[], maxLength: number): Boundary | undefined {
  const eligible = boundaries.filter((b) => b.eligible);
  for (const [rank, fill] of [
    [4, MIN_FILL],
    [3, MIN_FILL],
    [2, MIN_FILL_IN_CODE],
  ] as const) {
    const best = eligible.findLast((b) => b.rank === rank && b.offset >= maxLength * fill);
    if (best) return best;
  }
  return eligible[eligible.length - 1] ?? boundaries[boundaries.length - 1];
}

/** Cuts at `room` characters, or just before if that would split a surrogate pair. */
function safeCut(line: string, room: number): number {
  const code = line.charCodeAt(room - 1);
  return room > 1 && code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}
