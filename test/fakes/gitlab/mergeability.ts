import type { DetailedMergeStatus } from './schemas/merge-requests.js';
import type { FakeGitLabState, MergeRequestRecord, UserRecord } from './state.js';

/** Approvals that count: GitLab ignores the author's own unless the project allows it. */
export function countedApprovers(state: FakeGitLabState, mr: MergeRequestRecord): UserRecord[] {
  return state
    .approvals(mr)
    .map((a) => a.user)
    .filter((user) => mr.project.authorApproval || user !== mr.author);
}

/**
 * The `detailed_merge_status` GitLab would report, first failing check first (open, draft, forced
 * status, still checking, pipeline, approvals). `read` consumes one of the MR's `checking` answers.
 */
export function detailedMergeStatus(
  state: FakeGitLabState,
  mr: MergeRequestRecord,
  options: { read: boolean },
): DetailedMergeStatus {
  if (mr.state !== 'opened') return 'not_open';
  if (mr.draft) return 'draft_status';
  if (mr.mergeStatus) return mr.mergeStatus;
  if (mr.checkingReads > 0) {
    if (options.read) mr.checkingReads -= 1;
    return 'checking';
  }
  if (mr.project.onlyAllowMergeIfPipelineSucceeds) {
    const statuses = state.latestStatuses(mr.project, mr.headSha);
    if (statuses.length === 0) return 'ci_must_pass';
    if (statuses.some((s) => ['created', 'pending', 'running'].includes(s.status))) return 'ci_still_running';
    if (statuses.some((s) => !s.allowFailure && (s.status === 'failed' || s.status === 'canceled'))) {
      return 'ci_must_pass';
    }
  }
  if (countedApprovers(state, mr).length < mr.approvalsRequired) return 'not_approved';
  return 'mergeable';
}
