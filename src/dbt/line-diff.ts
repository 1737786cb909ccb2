import { formatPatch, OMIT_HEADERS, structuredPatch } from 'diff';

/** Lines of context kept around each change in a unified diff (as `diff -u`). */
const CONTEXT = 3;
/**
 * Bounds on the work one diff may take (jsdiff's Myers algorithm is O((N+M)·D)): past this many
 * changed lines, or this long, the texts are too different to show as a useful diff anyway.
 */
const MAX_EDIT_LENGTH = 2_000;
const TIMEOUT_MS = 1_000;

/**
 * A unified diff body (no file headers): hunks of `-`/`+`/` ` lines with `@@ -a,b +c,d @@` headers,
 * computed by jsdiff. Line endings are normalised and a missing final newline is not a change. Empty
 * when the texts are equal; undefined when they differ too much to compare here.
 */
export function unifiedDiff(before: string, after: string): string | undefined {
  const patch = structuredPatch(
    'before',
    'after',
    normalise(before),
    normalise(after),
    undefined,
    undefined,
    {
      context: CONTEXT,
      maxEditLength: MAX_EDIT_LENGTH,
      timeout: TIMEOUT_MS,
    },
  );
  if (!patch) return undefined;
  if (patch.hunks.length === 0) return '';
  return formatPatch(patch, OMIT_HEADERS).replace(/\n$/, '');
}

/** One line ending, and exactly one at the end of non-empty text, so jsdiff never marks the last line. */
function normalise(text: string): string {
  const normal = text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  return normal === '' ? '' : `${normal}\n`;
}
