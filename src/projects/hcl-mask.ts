/**
 * Blanks out comments and the insides of string literals and heredocs of HCL native syntax, keeping
 * every other character (and every newline) at its offset. Block structure can then be found with plain
 * regular expressions and brace counting, and a string literal's text read back from the original.
 * Tolerant by design: unterminated constructs simply run to the end of the file.
 */
export function maskHcl(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to && i < out.length; i++) if (out[i] !== '\n') out[i] = ' ';
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '#' || (c === '/' && next === '/')) {
      const end = lineEnd(text, i);
      blank(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const close = text.indexOf('*/', i + 2);
      const end = close === -1 ? text.length : close + 2;
      blank(i, end);
      i = end;
    } else if (c === '"') {
      const end = stringEnd(text, i);
      blank(i + 1, end - 1);
      i = end;
    } else if (c === '<' && next === '<') {
      const heredoc = /^<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n/.exec(text.slice(i, i + 200));
      if (!heredoc) {
        i += 2;
        continue;
      }
      const bodyStart = i + heredoc[0].length;
      const end = heredocEnd(text, bodyStart, heredoc[1] ?? '');
      blank(bodyStart, end);
      i = end;
    } else {
      i++;
    }
  }
  return out.join('');
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

/** Offset just past the closing quote of the string literal opening at `start`, template interpolations included. */
export function stringEnd(text: string, start: number): number {
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
    } else if (c === '"') {
      return i + 1;
    } else if (c === '\n') {
      return i; // HCL strings are single-line; recover at the line end.
    } else if ((c === '$' || c === '%') && text[i + 1] === '{') {
      if (text[i - 1] === c) {
        i += 2; // "$${" and "%%{" are escapes for a literal "${" / "%{".
        continue;
      }
      i = interpolationEnd(text, i + 2);
    } else {
      i++;
    }
  }
  return text.length;
}

function interpolationEnd(text: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      i = stringEnd(text, i);
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') {
      if (depth === 0) return i + 1;
      depth--;
    }
    i++;
  }
  return text.length;
}

function heredocEnd(text: string, from: number, marker: string): number {
  const closing = new RegExp(`^[ \\t]*${marker}[ \\t]*\\r?$`);
  let lineStart = from;
  while (lineStart < text.length) {
    const end = lineEnd(text, lineStart);
    if (closing.test(text.slice(lineStart, end))) return lineStart;
    lineStart = end + 1;
  }
  return text.length;
}
