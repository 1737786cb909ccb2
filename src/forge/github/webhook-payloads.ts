import { z } from 'zod';
import { SluiceError } from '../../errors.js';

/**
 * The parts of GitHub's webhook payloads Sluice reads, with the types and formats GitHub's own
 * description gives them (@octokit/openapi-webhooks: `webhook-pull-request-*`,
 * `webhook-issue-comment-*`, `webhook-push`). Objects stay open: GitHub adds fields, and a field
 * Sluice does not read must not make a delivery fail (unread fields are accepted and dropped).
 * Formats are tighter than the description where a wrong value would reach the store or a job: SHAs
 * are full lowercase hex (SHA-1, or SHA-256 repositories), ids and numbers positive safe integers,
 * timestamps ISO 8601.
 */

/** A full commit SHA as GitHub writes it. */
export const CommitSha = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, { error: 'expected a full commit SHA (40 lowercase hex digits)' });
const Id = z.int().positive({ error: 'expected a positive whole number' });
const Name = z.string().min(1, { error: 'expected a non-empty string' }).max(256);
const Account = z.object({ login: Name, type: z.string().optional() });
const Timestamp = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 timestamp' });

const Repository = z.object({
  id: Id,
  name: Name,
  full_name: z.string().regex(/^[^/\s]+\/[^/\s]+$/, { error: 'expected owner/name' }),
  owner: Account,
});
const Installation = z.object({ id: Id });
const Action = z.string().min(1, { error: 'expected a non-empty string' }).max(64);

export const PullRequestPayload = z.object({
  action: Action,
  number: Id,
  installation: Installation.optional(),
  repository: Repository,
  pull_request: z.object({
    number: Id,
    draft: z.boolean().optional(),
    merged: z.boolean().nullish(),
    merge_commit_sha: CommitSha.nullable(),
    updated_at: Timestamp,
    // null for a deleted ("ghost") user.
    user: Account.nullable(),
    head: z.object({ sha: CommitSha }),
    base: z.object({ sha: CommitSha }),
  }),
});

export const IssueCommentPayload = z.object({
  action: Action,
  installation: Installation.optional(),
  repository: Repository,
  issue: z.object({ number: Id, pull_request: z.object({}).optional() }),
  // GitHub takes comments of up to 65,536 characters (up to twice as many UTF-16 units).
  comment: z.object({
    id: Id,
    body: z.string().max(131_072, { error: 'longer than GitHub allows a comment to be' }),
    user: Account.nullable(),
  }),
});

export const PushPayload = z.object({
  ref: z.string().min(1, { error: 'expected a non-empty string' }),
  deleted: z.boolean(),
  installation: Installation.optional(),
  repository: Repository,
});

export type PullRequestPayload = z.infer<typeof PullRequestPayload>;
export type IssueCommentPayload = z.infer<typeof IssueCommentPayload>;
export type PushPayload = z.infer<typeof PushPayload>;

/** The events Sluice acts on, by `X-GitHub-Event`; every other event is acknowledged and ignored. */
export const HANDLED_EVENTS = {
  pull_request: PullRequestPayload,
  issue_comment: IssueCommentPayload,
  push: PushPayload,
} as const;

export type HandledEvent = keyof typeof HANDLED_EVENTS;

export function isHandledEvent(name: string): name is HandledEvent {
  return Object.hasOwn(HANDLED_EVENTS, name);
}

/** At most this many problems are named in one answer; the rest are counted. */
const SHOWN_ISSUES = 5;

/** What is wrong with a payload, field by field: `pull_request.head.sha: expected a full commit SHA …`. */
export function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, SHOWN_ISSUES).map((issue) => {
    const path = issue.path.map(String).join('.') || '(root)';
    // zod's own words: "Invalid input: expected number, received string".
    const message = issue.message.endsWith('received undefined')
      ? 'required, missing'
      : issue.message.replace(/^Invalid input: /, '');
    return `${path}: ${message}`;
  });
  const more = issues.length > SHOWN_ISSUES ? `; and ${issues.length - SHOWN_ISSUES} more` : '';
  return `${lines.join('; ')}${more}`;
}

/** Parses a handled event's payload, or throws a 400 naming each field that is wrong and how. */
export function parseGithubPayload<E extends HandledEvent>(
  name: E,
  payload: unknown,
): z.infer<(typeof HANDLED_EVENTS)[E]> {
  const result = HANDLED_EVENTS[name].safeParse(payload);
  if (result.success) return result.data as z.infer<(typeof HANDLED_EVENTS)[E]>;
  throw new SluiceError(
    'WEBHOOK_PAYLOAD_MALFORMED',
    `the ${name} payload is not shaped like GitHub's: ${describeIssues(result.error.issues)}.`,
  );
}
