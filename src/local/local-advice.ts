import type { ProjectPlanResult } from '../runner/types.js';

/**
 * What to do after a local plan (the pull request's advice — comment, approve, merge — does not fit a
 * terminal). Markdown, like the comment's own next steps.
 */
export function localNextSteps(results: readonly ProjectPlanResult[]): string[] {
  if (results.some((r) => r.status === 'failed')) {
    return ['Fix the error and run `sluice plan` again.'];
  }
  if (results.some((r) => r.status === 'cancelled')) return ['Cancelled: run `sluice plan` again to finish.'];
  const changes = results.some((r) => r.status === 'planned' && r.summary && !r.summary.noChanges);
  if (!changes) return ['No changes: nothing would be applied.'];
  return [
    'A local plan applies nothing. When it looks right, push your branch and open a pull request: Sluice plans it there for review, and applies it once approved.',
  ];
}
