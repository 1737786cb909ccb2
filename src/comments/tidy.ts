import { advance, type BlockState, TOP_LEVEL } from './blocks.js';

/**
 * Cleans up what a template produced: outside code fences, whitespace-only lines become empty and runs
 * of blank lines collapse to one; leading and trailing blank lines go. Code is left exactly as it is.
 */
export function tidyMarkdown(markdown: string): string {
  const out: string[] = [];
  let state: BlockState = TOP_LEVEL;
  for (const line of markdown.split('\n')) {
    const inCode = state.fence !== undefined;
    state = advance(state, line);
    if (inCode) {
      out.push(line);
      continue;
    }
    const blank = line.trim() === '';
    if (blank && (out.length === 0 || out[out.length - 1] === '')) continue;
    out.push(blank ? '' : line);
  }
  while (out.length > 0 && out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}
