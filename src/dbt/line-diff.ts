/** Lines of context kept around each change in a unified diff. */
const CONTEXT = 3;
/** Above this many line pairs the diff is not computed (quadratic table). */
const MAX_CELLS = 4_000_000;

/**
 * A unified diff body (no file headers): hunks of `-`/`+`/` ` lines with `@@ -a,b +c,d @@` headers,
 * from a longest-common-subsequence of lines. Empty when the texts are equal; undefined when they are
 * too large to compare here.
 */
export function unifiedDiff(before: string, after: string): string | undefined {
  const a = splitLines(before);
  const b = splitLines(after);
  if (a.length * b.length > MAX_CELLS) return undefined;
  const ops = diffOps(a, b);
  if (ops.every((op) => op.kind === ' ')) return '';
  return hunks(ops).join('\n');
}

interface Op {
  kind: ' ' | '-' | '+';
  line: string;
  /** 1-based line numbers in each side (the position before which it sits, for the other side). */
  aLine: number;
  bLine: number;
}

function splitLines(text: string): string[] {
  const normal = text.replace(/\r\n?/g, '\n').replace(/\n$/, '');
  return normal === '' ? [] : normal.split('\n');
}

function diffOps(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  // lcs[i][j]: length of the LCS of a[i..] and b[j..], in one flat array.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  const at = (i: number, j: number) => i * (m + 1) + j;
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[at(i, j)] =
        a[i] === b[j]
          ? (lcs[at(i + 1, j + 1)] ?? 0) + 1
          : Math.max(lcs[at(i + 1, j)] ?? 0, lcs[at(i, j + 1)] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] ?? '', aLine: i + 1, bLine: j + 1 });
      i++;
      j++;
    } else if (i < n && (j >= m || (lcs[at(i + 1, j)] ?? 0) >= (lcs[at(i, j + 1)] ?? 0))) {
      // Removals before additions, as `diff -u` prints them.
      ops.push({ kind: '-', line: a[i] ?? '', aLine: i + 1, bLine: j + 1 });
      i++;
    } else {
      ops.push({ kind: '+', line: b[j] ?? '', aLine: i + 1, bLine: j + 1 });
      j++;
    }
  }
  return ops;
}

function hunks(ops: readonly Op[]): string[] {
  const out: string[] = [];
  let index = 0;
  while (index < ops.length) {
    const firstChange = ops.findIndex((op, k) => k >= index && op.kind !== ' ');
    if (firstChange === -1) break;
    const start = Math.max(index, firstChange - CONTEXT);
    let end = firstChange;
    // Extend while the next change is within 2 × CONTEXT unchanged lines.
    for (let k = firstChange; k < ops.length; k++) {
      if (ops[k]?.kind !== ' ') end = k;
      else if (k - end > 2 * CONTEXT) break;
    }
    const stop = Math.min(ops.length, end + CONTEXT + 1);
    const slice = ops.slice(start, stop);
    const first = slice[0];
    if (!first) break;
    const aCount = slice.filter((op) => op.kind !== '+').length;
    const bCount = slice.filter((op) => op.kind !== '-').length;
    const aStart = aCount === 0 ? first.aLine - 1 : first.aLine;
    const bStart = bCount === 0 ? first.bLine - 1 : first.bLine;
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const op of slice) out.push(`${op.kind}${op.line}`);
    index = stop;
  }
  return out;
}
