import type { ApplyRequirement } from '../config/rules.js';
import type { ProjectPlanResult } from '../runner/types.js';
import { type RequirementFacts, type UnmetRequirement, unmetRequirements } from './apply-requirements.js';

/** The step name a project's plan "fails" at when its plan requirements do not hold. */
export const PLAN_REQUIREMENTS_STEP = 'plan requirements';

/**
 * Which requirements are checked before planning these projects: each project's `plan_requirements`
 * (server rules, or the default branch's config where allowed). A merged pull request can no longer be
 * made mergeable or undiverged, so only `approved` still counts for it.
 */
export function planRequirementsWanted(
  projects: readonly { name: string }[],
  requirementsFor: (project: { name: string }) => readonly ApplyRequirement[],
  merged: boolean,
): Map<string, ApplyRequirement[]> {
  return new Map(
    projects.map((p) => [p.name, requirementsFor(p).filter((r) => !merged || r === 'approved')]),
  );
}

/** Pure: the requirements each project does not meet; projects that meet theirs are left out. */
export function unmetPlanRequirements(
  wanted: ReadonlyMap<string, readonly ApplyRequirement[]>,
  facts: RequirementFacts,
): Map<string, UnmetRequirement[]> {
  const unmet = new Map<string, UnmetRequirement[]>();
  for (const [name, required] of wanted) {
    if (required.length === 0) continue;
    const own = unmetRequirements(required, {
      ...facts,
      divergedProjects: facts.divergedProjects?.filter((p) => p === name),
    });
    if (own.length > 0) unmet.set(name, own);
  }
  return unmet;
}

/** The plan comment's explanation for a project not planned because of its requirements. */
export function planRequirementsError(
  unmet: readonly UnmetRequirement[],
): NonNullable<ProjectPlanResult['error']> {
  return {
    step: PLAN_REQUIREMENTS_STEP,
    message: [
      'Not planned: this repository requires, before a plan:',
      // The comment escapes this message (it shows `code` only), so no Markdown emphasis here.
      ...unmet.map((u) => `- ${u.message.replace(/\*\*/g, '')}`),
      'Then comment `sluice plan`.',
    ].join('\n'),
    output: '',
  };
}
