import type { PlanRecord } from '../store/types.js';
import { shortPlanId } from './plan-identity.js';

/** An approval that already holds by author and commit (apply-requirements.ts), with when it was given. */
export interface TimedApproval {
  user: string;
  /** ISO time the forge says it was given; absent when the forge does not say. */
  at?: string;
}

export interface PlannedForApproval {
  name: string;
  /** The project's plan records, oldest first, the last being the plan apply would run. */
  plans?: readonly PlanRecord[];
}

/** A project whose plan no approval covers, with the ids to name in the message. */
export interface UnapprovedPlan {
  name: string;
  /** Short id of the plan apply would run. */
  plan: string;
  /** Short id of the plan that was current at the latest approval, when there was one. */
  approvedPlan?: string;
}

/**
 * Which projects' plans no approval covers. An approval covers the plans that existed when it was
 * given: the plan apply would run is covered when the plan current at an approval's time (the latest
 * recorded at or before it) was made from the same inputs (project, extra arguments, variables).
 * Re-plans with the same inputs (a push, a stale plan planned again, the merge commit) keep the
 * approval; the commit rule (apply-requirements.ts) decides about the code. Times compare in whole
 * seconds, as forges report them. An approval without a time covers a plan only when the project was
 * never planned with other inputs in this PR. A project without plan records is never covered. Pure.
 */
export function unapprovedPlans(
  projects: readonly PlannedForApproval[],
  approvals: readonly TimedApproval[],
): UnapprovedPlan[] {
  const unapproved: UnapprovedPlan[] = [];
  for (const project of projects) {
    const plans = project.plans ?? [];
    const current = plans.at(-1);
    if (!current) {
      unapproved.push({ name: project.name, plan: 'unknown' });
      continue;
    }
    const seen = (approval: TimedApproval) => currentAt(plans, approval.at);
    const covered = approvals.some((a) =>
      a.at === undefined
        ? plans.every((p) => p.inputs === current.inputs)
        : seen(a)?.inputs === current.inputs,
    );
    if (covered) continue;
    const latest = [...approvals]
      .filter((a) => a.at !== undefined && !Number.isNaN(seconds(a.at)))
      .sort((a, b) => seconds(b.at ?? '') - seconds(a.at ?? ''))[0];
    const approved = latest ? seen(latest) : undefined;
    unapproved.push({
      name: project.name,
      plan: shortPlanId(current.id),
      ...(approved ? { approvedPlan: shortPlanId(approved.id) } : {}),
    });
  }
  return unapproved;
}

/** The plan that was current at `at`: the latest recorded in or before that second. */
function currentAt(plans: readonly PlanRecord[], at: string | undefined): PlanRecord | undefined {
  if (at === undefined) return undefined;
  const t = seconds(at);
  return [...plans].reverse().find((p) => seconds(p.at) <= t);
}

/** Whole seconds since the epoch; NaN for a time that does not parse (never covers anything). */
function seconds(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000);
}
