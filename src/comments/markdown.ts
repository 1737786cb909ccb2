import { stripVTControlCharacters } from 'node:util';

/**
 * Making untrusted text (paths, resource addresses, error messages, tool output) safe to put in a
 * Markdown comment: outside code it cannot open HTML, links, emphasis, lists or headings, mention
 * people or reference issues; inside code it cannot close the code span or fence it sits in.
 */

const ZERO_WIDTH_SPACE = '&#8203;';

/** Escapes text for use outside code, on one or more lines. */
export function escapeText(text: string): string {
  return text
    .split('\n')
    .map((line) => escapeLineStart(escapeInline(line)))
    .join('\n');
}

function escapeInline(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\\`*_[\]|~]/g, '\\$&')
      // A zero-width space stops GitHub turning these into mentions and cross-references.
      .replace(/@(?=[A-Za-z0-9])|#(?=\d)/g, `$&${ZERO_WIDTH_SPACE}`)
  );
}

/** Escapes what would start a heading, list, quote, rule or setext underline at the start of a line. */
function escapeLineStart(line: string): string {
  return line.replace(/^(\s*)([#+\-=]|\d+(?=[.)]))/, (_, space: string, marker: string) =>
    /^\d+$/.test(marker) ? `${space}${marker}\\` : `${space}\\${marker}`,
  );
}

/** An inline code span showing `text` verbatim, whatever backticks it holds. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\r?\n/g, ' ');
  const ticks = '`'.repeat(longestRun(flat, '`') + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') || /^ .* $/.test(flat) ? ' ' : '';
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/**
 * Escapes a message but keeps its `backtick-quoted` parts as code, so messages written for a terminal
 * ("Unknown key `projcts`") read the same in a comment.
 */
export function messageMarkdown(message: string): string {
  return message
    .split('\n')
    .map((line) => {
      let out = '';
      let last = 0;
      for (const match of line.matchAll(/`([^`\n]+)`/g)) {
        out += escapeInline(line.slice(last, match.index)) + codeSpan(match[1] ?? '');
        last = match.index + match[0].length;
      }
      return escapeLineStart(out + escapeInline(line.slice(last)));
    })
    .join('\n');
}

/** A fence (at least three backticks) longer than any backtick run in `content`, so it cannot be closed early. */
export function fenceFor(content: string): string {
  return '`'.repeat(Math.max(3, longestRun(content, '`') + 1));
}

function longestRun(text: string, char: string): number {
  let longest = 0;
  let run = 0;
  for (const c of text) {
    run = c === char ? run + 1 : 0;
    if (run > longest) longest = run;
  }
  return longest;
}

/** Colour, cursor and hyperlink escape sequences, which tools sometimes emit despite -no-color. */
export function stripAnsi(text: string): string {
  return stripVTControlCharacters(text);
}
