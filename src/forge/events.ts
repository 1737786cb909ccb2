import type { PullRequestRef, RepoRef } from './types.js';

/** What a webhook means to Sluice, independent of the forge that sent it. */
export type ForgeEvent =
  | {
      kind: 'pull_request.updated';
      pr: PullRequestRef;
      /** opened, reopened, new commits pushed, or marked ready for review. */
      reason: 'opened' | 'reopened' | 'pushed' | 'ready';
      headSha: string;
      baseSha: string;
      /** When the forge last updated the PR; orders deliveries that arrive out of order. */
      updatedAt: string;
      draft: boolean;
      author: string;
    }
  | {
      kind: 'pull_request.closed';
      pr: PullRequestRef;
      merged: boolean;
      headSha: string;
      mergeSha?: string;
      /** When the forge last updated the PR. */
      updatedAt: string;
    }
  | { kind: 'comment.created'; pr: PullRequestRef; commentId: string; author: string; body: string }
  /** A branch was deleted: locks of PRs from it are released. */
  | { kind: 'branch.deleted'; repo: RepoRef; branch: string };

/** A verified delivery, mapped: `event` is undefined for deliveries Sluice ignores. */
export interface Delivery {
  id: string;
  forge: string;
  name: string;
  event?: ForgeEvent;
  /**
   * A hash of what the sender signed (the raw body), when the delivery id is not signed with it: a
   * replay with a new id is recognised by it (src/server/accept-delivery.ts).
   */
  bodyHash?: string;
}
