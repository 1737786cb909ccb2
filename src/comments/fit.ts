import type { CodeBlockView, PlanView } from './view.js';
import { codeBlock } from './view.js';

/**
 * Shortens the folded plans and outputs of a view by about `excess` characters, cutting the longest
 * first ("water-filling", so small blocks stay whole), each at a line end with a note of what is left out.
 */
export function shrinkView(view: PlanView, excess: number): PlanView {
  const sizes = view.projects.flatMap((p) => [p.plan, p.output]).flatMap((b) => (b ? [b.body.length] : []));
  const cap = capFor(sizes, excess);
  return {
    ...view,
    projects: view.projects.map((p) => ({
      ...p,
      plan: p.plan && shorten(p.plan, cap, 'the plan'),
      output: p.output && shorten(p.output, cap, 'the output'),
    })),
  };
}

/** The largest block size such that cutting every block down to it removes at least `excess`. */
export function capFor(sizes: readonly number[], excess: number): number {
  const sorted = [...sizes].sort((a, b) => b - a);
  let removed = 0;
  for (let k = 0; k < sorted.length; k++) {
    const next = sorted[k + 1] ?? 0;
    // Lowering the cap from sorted[k] to `next` trims the k+1 largest blocks by the difference.
    const step = ((sorted[k] ?? 0) - next) * (k + 1);
    if (removed + step >= excess)
      return Math.max(0, Math.floor((sorted[k] ?? 0) - (excess - removed) / (k + 1)));
    removed += step;
  }
  return 0;
}

function shorten(block: CodeBlockView, cap: number, what: string): CodeBlockView {
  if (block.body.length <= cap) return block;
  const lines = block.body.split('\n');
  let kept = 0;
  let length = 0;
  while (kept < lines.length && length + (lines[kept]?.length ?? 0) + 1 <= cap) {
    length += (lines[kept]?.length ?? 0) + 1;
    kept++;
  }
  const left = lines.length - kept;
  const note = `  … ${left} more line${left === 1 ? '' : 's'} of ${what} left out: too long for a comment.`;
  return codeBlock(block.lang, [...lines.slice(0, kept), note].join('\n'));
}
