import type { ProjectPlanResult } from '../runner/types.js';
import { SLUICE_VERSION } from '../version.js';

export interface JsonPlanInput {
  results: readonly ProjectPlanResult[];
  headline: string;
  passed: { env: string[]; mounts: string[] };
  network: boolean;
}

/**
 * `sluice plan --format json`: one object for scripts. Plan text and errors are masked as in the
 * comment; passed variables appear by name only.
 */
export function renderPlanJson(input: JsonPlanInput): string {
  const document = {
    sluice: SLUICE_VERSION,
    ok: input.results.every((r) => r.status === 'planned'),
    headline: input.headline,
    passedEnv: input.passed.env,
    mounts: input.passed.mounts,
    network: input.network,
    projects: input.results.map((r) => ({
      name: r.project.name,
      dir: r.project.dir,
      workspace: r.project.workspace,
      reason: r.project.reason,
      status: r.status,
      tool: r.tool,
      durationMs: r.durationMs,
      ...(r.summary
        ? {
            summary: {
              add: r.summary.add,
              change: r.summary.change,
              destroy: r.summary.destroy,
              replace: r.summary.replace,
              noChanges: r.summary.noChanges,
              resources: r.summary.resources,
              outputChanges: r.summary.outputChanges,
            },
          }
        : {}),
      ...(r.planText !== undefined ? { planText: r.planText } : {}),
      ...(r.stepOutput ? { stepOutput: r.stepOutput } : {}),
      ...(r.error ? { error: r.error } : {}),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
