import type { ApplyRequirement } from '../config/rules.js';
import type { Approval, ChangeRequestWords, Mergeability } from '../forge/types.js';
import { type PlannedForApproval, unapprovedPlans } from './approval-binding.js';

export interface RequirementFacts {
  author: string;
  /** How the forge names a pull request (ForgeCapabilities.changeRequest), for the messages. */
  changeRequest: ChangeRequestWords;
  /** The commit whose plans would be applied. */
  headSha: string;
  approvals: Approval[];
  /** Present when `mergeable` is required. */
  mergeability?: Mergeability;
  /** Projects whose files the base branch changed since the plan (when `undiverged` is required). */
  divergedProjects?: string[];
  /**
   * At apply: the plans that would be applied, with their records. An approval then covers only the
   * plans that existed when it was given (approval-binding.ts).
   */
  plans?: PlannedForApproval[];
}

export interface UnmetRequirement {
  requirement: ApplyRequirement;
  /** What is wrong and what fixes it, as Markdown. */
  message: string;
}

/**
 * Which apply requirements do not hold. An approval counts when it is by someone other than the author,
 * not dismissed, and (where the forge says) given on the commit being applied: a push after approval
 * needs a new approval. At apply (`facts.plans`), it also covers only the plans that existed when it
 * was given: a project re-planned with other arguments or variables since needs a new approval.
 */
export function unmetRequirements(
  required: readonly ApplyRequirement[],
  facts: RequirementFacts,
): UnmetRequirement[] {
  const unmet: UnmetRequirement[] = [];
  if (required.includes('approved')) {
    const valid = facts.approvals.filter(
      (a) =>
        !a.dismissed &&
        a.user !== facts.author &&
        (a.commitSha === undefined || a.commitSha === facts.headSha),
    );
    const unapproved = valid.length > 0 && facts.plans ? unapprovedPlans(facts.plans, valid) : [];
    for (const plan of unapproved) {
      unmet.push({ requirement: 'approved', message: changedAfterApproval(plan) });
    }
    if (valid.length === 0) {
      const stale = facts.approvals.some((a) => !a.dismissed && a.user !== facts.author);
      unmet.push({
        requirement: 'approved',
        message: stale
          ? `**Approved**: the approval was given on an earlier commit; a reviewer must approve \`${facts.headSha.slice(0, 7)}\`.`
          : `**Approved**: nobody but the author has approved this ${facts.changeRequest.noun}; ask a reviewer to approve it.`,
      });
    }
  }
  if (required.includes('mergeable') && facts.mergeability && !facts.mergeability.mergeable) {
    unmet.push({
      requirement: 'mergeable',
      message: `**Mergeable**: ${facts.mergeability.reasons.join('; ')}. Fix that, then comment again.`,
    });
  }
  if (required.includes('undiverged') && facts.divergedProjects && facts.divergedProjects.length > 0) {
    unmet.push({
      requirement: 'undiverged',
      message: `**Undiverged**: the base branch changed ${facts.divergedProjects.map((p) => `\`${p}\``).join(', ')} since this branch was made; merge or rebase the base branch in, then plan again.`,
    });
  }
  return unmet;
}

/** Names the plan apply would run and the one that was approved. */
function changedAfterApproval(p: { name: string; plan: string; approvedPlan?: string }): string {
  return p.approvedPlan
    ? `**Approved**: the plan for \`${p.name}\` changed after the last approval (plan \`${p.plan}\`, approved plan \`${p.approvedPlan}\`): approve again to apply.`
    : `**Approved**: the plan for \`${p.name}\` (plan \`${p.plan}\`) was made after the last approval: approve again to apply.`;
}
