import type { Mergeability } from '../types.js';
import type { CommitStatusData } from './api-schemas.js';

/**
 * GitLab's `detailed_merge_status` values (https://docs.gitlab.com/api/merge_requests/#merge-status)
 * in words for an MR comment. GitLab reports the first check that fails, one at a time.
 */
const REASONS: Record<string, string> = {
  approvals_syncing: 'GitLab is still syncing its approvals',
  checking: 'GitLab is still checking whether it can be merged',
  unchecked: 'GitLab has not yet checked whether it can be merged',
  preparing: 'GitLab is still preparing its diff',
  commits_status: 'its source branch is missing or has no commits',
  conflict: 'it has merge conflicts',
  discussions_not_resolved: 'it has unresolved discussions',
  draft_status: 'it is a draft',
  jira_association_missing: 'its title or description must reference a Jira issue',
  merge_request_blocked: 'it is blocked by another merge request',
  merge_time: 'it may not be merged before its scheduled merge time',
  need_rebase: 'it must be rebased onto its target branch',
  not_approved: 'it is not approved yet',
  not_open: 'it is not open',
  requested_changes: 'a reviewer requested changes',
  security_policy_violations: 'it violates a security policy',
  status_checks_must_pass: 'its external status checks have not passed',
  locked_paths: 'it changes paths another user has locked',
  locked_lfs_files: 'it changes LFS files another user has locked',
};

/** Statuses that wait on the MR's pipeline: the pipeline is looked at job by job. */
export const PIPELINE_STATUSES = new Set(['ci_must_pass', 'ci_still_running']);

/** A commit status (CI job or external status) in words, or undefined when it does not block a merge. */
function blocking(status: CommitStatusData): string | undefined {
  if (status.allow_failure) return undefined;
  switch (status.status) {
    case 'success':
    case 'skipped':
      return undefined;
    case 'failed':
      return `check \`${status.name}\` is failing`;
    case 'canceled':
      return `check \`${status.name}\` was canceled`;
    case 'manual':
      return `check \`${status.name}\` waits for someone to run it`;
    default:
      return `check \`${status.name}\` has not finished`;
  }
}

/** What GitLab cannot say while `detailed_merge_status` waits on the pipeline. */
export interface PipelineWait {
  /** The latest status of each check on the head commit. */
  statuses: CommitStatusData[];
  /** From the approvals endpoint: GitLab checks approvals after the pipeline, so its status hides them. */
  approvalsLeft: number;
}

/**
 * Whether an MR can merge, from its `detailed_merge_status` and, when that waits on the pipeline, the
 * checks on its head commit and the approvals still missing. Checks `ignore` says are Sluice's own never
 * count.
 */
export function mergeabilityOf(
  detailedStatus: string | undefined,
  wait: PipelineWait,
  ignore: (context: string) => boolean,
): Mergeability {
  const status = detailedStatus ?? 'unchecked';
  if (status === 'mergeable') return { mergeable: true, reasons: [] };
  if (PIPELINE_STATUSES.has(status)) {
    const checks =
      wait.statuses.length === 0
        ? ['its pipeline must succeed, and it has none']
        : wait.statuses
            .filter((s) => !ignore(s.name))
            .map(blocking)
            .filter((r): r is string => r !== undefined);
    const reasons = [...checks, ...(wait.approvalsLeft > 0 ? [REASONS.not_approved as string] : [])];
    return { mergeable: reasons.length === 0, reasons };
  }
  return { mergeable: false, reasons: [REASONS[status] ?? `GitLab reports "${status}"`] };
}
