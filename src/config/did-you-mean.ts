/** Edit distance counting insertions, deletions, substitutions and swaps of neighbours as one edit each. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? 0;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * The known key closest to `input`, if close enough to be a typo: case and `-`/`_` differences are
 * free, then at most a third of the key's length may differ (at least one edit, at most three).
 */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  const fold = (s: string) => s.toLowerCase().replace(/-/g, '_');
  let best: { key: string; distance: number } | undefined;
  for (const key of known) {
    const distance = editDistance(fold(input), fold(key));
    if (!best || distance < best.distance) best = { key, distance };
  }
  if (!best) return undefined;
  const allowed = Math.min(3, Math.max(1, Math.floor(best.key.length / 3)));
  return best.distance <= allowed ? best.key : undefined;
}
