import { stripAnsi } from './markdown.js';

const ACTIONS_HEADER = /^(?:OpenTofu|Terraform) will perform the following actions:[ \t]*$/m;
const OUTPUTS_HEADER = /^Changes to Outputs:[ \t]*$/m;
const MARKER = /^([ \t]*)(-\/\+|\+\/-|[-+~])( |$)/;

/**
 * The part of `tofu show` output a reviewer reads, ready for a ```diff block: the symbol legend and
 * preamble dropped, and each change marker moved to the start of its line (`~` as `!`, as Atlantis
 * does) so GitHub colours it, indentation kept after it.
 */
export function planDiff(planText: string): string {
  return diffMarkers(trimPlan(planText));
}

/** Drops everything before the list of actions (or, for output-only plans, the output changes). */
export function trimPlan(planText: string): string {
  const text = normalizeNewlines(stripAnsi(planText));
  const start = ACTIONS_HEADER.exec(text) ?? OUTPUTS_HEADER.exec(text);
  let body = text;
  if (start) {
    body = start[0].startsWith('Changes to Outputs')
      ? text.slice(start.index)
      : text.slice(start.index + start[0].length);
  }
  return body.replace(/^(?:[ \t]*\n)+/, '').replace(/\s+$/, '');
}

export function diffMarkers(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const match = MARKER.exec(line);
      if (!match) return line;
      const [whole, indent = '', marker = '', space = ''] = match;
      return `${marker === '~' ? '!' : marker}${space}${indent}${line.slice(whole.length)}`;
    })
    .join('\n');
}

export function normalizeNewlines(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
