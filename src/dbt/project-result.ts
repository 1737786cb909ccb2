import type { ProjectPlanResult } from '../runner/types.js';
import type { DbtPlanResult } from './plan-result.js';

/**
 * A dbt plan as one project's result of a PR's plan, beside the Terraform ones: `failed` when dbt
 * could not plan, something failed in the zero-row build, or a change is breaking. The dbt result
 * itself rides along for the comment (src/comments/view.ts renders it with renderDbtPlan).
 */
export function dbtProjectResult(result: DbtPlanResult): ProjectPlanResult {
  const status =
    result.status === 'planned' ? 'planned' : result.status === 'cancelled' ? 'cancelled' : 'failed';
  const error =
    result.status === 'error' || result.status === 'failed'
      ? (result.error ?? { step: 'build', message: dbtStatusDescription(result), output: '' })
      : undefined;
  return {
    project: result.project,
    status,
    dbt: result,
    ...(error ? { error } : {}),
    tool: { name: 'dbt', version: result.versions.dbt ?? 'unknown' },
    durationMs: result.durationMs,
  };
}

/** Whether a dbt plan changes nothing dbt would build. */
export function dbtUnchanged(result: DbtPlanResult): boolean {
  return result.changes.length === 0;
}

/** One plain-text line for the project's commit status (the forge cuts it to its limit). */
export function dbtStatusDescription(result: DbtPlanResult): string {
  if (result.status === 'cancelled') return 'Cancelled';
  if (result.status === 'error') {
    const step = result.error?.step ?? 'an unknown step';
    const first = (result.error?.message ?? '').split('\n')[0]?.trim() ?? '';
    return plain(`dbt could not plan (at ${step})${first ? `: ${first}` : ''}`);
  }
  if (result.breaking.length > 0) {
    const more = result.breaking.length > 1 ? ` (and ${result.breaking.length - 1} more)` : '';
    return plain(`Breaking change: ${result.breaking[0]}${more}`);
  }
  const failed = result.failures.filter((f) => f.status === 'error' || f.status === 'fail');
  if (result.status === 'failed') {
    const names = failed.map((f) => f.name).join(', ');
    return plain(
      failed.length > 0
        ? `${failed.length} failed in the zero-row build: ${names}`
        : 'dbt build failed; see the PR comment',
    );
  }
  if (dbtUnchanged(result)) return 'No dbt changes';
  return `${result.changes.length} changed, ${result.downstream.length} downstream`;
}

/** Status descriptions are plain text: no Markdown code spans. */
function plain(text: string): string {
  return text.replace(/`/g, '');
}
