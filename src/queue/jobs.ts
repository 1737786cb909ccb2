import { createHash } from 'node:crypto';
import { z } from 'zod';
import { SluiceError } from '../errors.js';
import { prKey, repoKey } from '../store/keys.js';

const RepoRefSchema = z.object({
  forge: z.string().min(1),
  id: z.string().min(1),
  owner: z.string().min(1),
  name: z.string().min(1),
  fullName: z.string().min(1),
  auth: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

const PullRefSchema = z.object({ repo: RepoRefSchema, number: z.number().int().positive() });
const ShaSchema = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit SHA');

/** Which projects a command names; none of them: every project the PR changes. */
const TargetSchema = z.object({
  project: z.string().optional(),
  dir: z.string().optional(),
  workspace: z.string().optional(),
});

export const PlanJobSchema = z.object({
  kind: z.literal('plan'),
  pr: PullRefSchema,
  headSha: ShaSchema,
  /**
   * autoplan: a push; command: `sluice plan`; stale: another PR applied a project this one plans;
   * merged: the merged tree differs from the reviewed plan, so the merge commit is planned for review.
   */
  trigger: z.enum(['autoplan', 'command', 'stale', 'merged']),
  deliveryId: z.string().min(1),
  requestedBy: z.string().optional(),
  target: TargetSchema.optional(),
  /** Plan only these projects (by name) of the ones the PR changes. */
  only: z.array(z.string()).optional(),
  extraArgs: z.array(z.string()).optional(),
  /** `--verbose`: the comment shows every step's output. */
  verbose: z.boolean().optional(),
  /** Why a stale re-plan happens, for the comment. */
  note: z.string().optional(),
});

/** A comment that starts like a command; the worker parses it again with the repo's rules. */
export const CommandJobSchema = z.object({
  kind: z.literal('command'),
  pr: PullRefSchema,
  commentId: z.string().min(1),
  author: z.string().min(1),
  body: z.string(),
  deliveryId: z.string().min(1),
});

export const ClosedJobSchema = z.object({
  kind: z.literal('closed'),
  pr: PullRefSchema,
  merged: z.boolean(),
  headSha: ShaSchema,
  mergeSha: ShaSchema.optional(),
  deliveryId: z.string().min(1),
});

/** Releases locks whose PR is no longer open (after a missed close, or a deleted branch). */
export const ReconcileJobSchema = z.object({
  kind: z.literal('reconcile'),
  repo: RepoRefSchema.optional(),
  deliveryId: z.string().min(1),
});

export const JobSchema = z.discriminatedUnion('kind', [
  PlanJobSchema,
  CommandJobSchema,
  ClosedJobSchema,
  ReconcileJobSchema,
]);

export type PlanJob = z.infer<typeof PlanJobSchema>;
export type CommandJob = z.infer<typeof CommandJobSchema>;
export type ClosedJob = z.infer<typeof ClosedJobSchema>;
export type ReconcileJob = z.infer<typeof ReconcileJobSchema>;
export type Job = z.infer<typeof JobSchema>;
export type PlanTarget = z.infer<typeof TargetSchema>;

/**
 * Refuses a job that does not match its kind's schema, before it is enqueued: JOB_INVALID (400) naming
 * each field that is wrong. Both queues call it in `enqueue`, so no caller can queue a job a worker
 * would refuse to run.
 */
export function checkJob(job: unknown): Job {
  const result = JobSchema.safeParse(job);
  if (result.success) return result.data;
  const kind = (job as { kind?: unknown } | null)?.kind;
  const fields = result.error.issues
    .slice(0, 5)
    .map(
      (issue) =>
        `${issue.path.map(String).join('.') || '(job)'}: ${issue.message.replace(/^Invalid input: /, '')}`,
    );
  throw new SluiceError(
    'JOB_INVALID',
    `a ${typeof kind === 'string' ? kind.slice(0, 20) : 'job'} job with these fields cannot be queued: ${fields.join('; ')}.`,
  );
}

/** Job data is parsed again when a worker takes it: the queue is an edge too. */
export function parseJob(data: unknown): Job {
  return JobSchema.parse(data);
}

/**
 * The identity of a job: duplicate deliveries of the same change map to the same key.
 * Autoplans: forge + repo + PR + head SHA. Everything a person asked for (commands) or that happens
 * once per delivery carries the delivery id, so repeating a command runs it again.
 */
export function jobKey(job: Job): string {
  const parts: string[] = [job.kind];
  if (job.kind === 'plan') {
    parts.push(prKey(job.pr), job.headSha, job.trigger);
    if (job.trigger !== 'autoplan') parts.push(job.deliveryId);
  } else if (job.kind === 'reconcile') {
    parts.push(job.repo ? repoKey(job.repo) : '*', job.deliveryId);
  } else {
    parts.push(prKey(job.pr), job.deliveryId);
  }
  return `${job.kind}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

/**
 * Plans of one PR supersede each other: only the newest head SHA is worth planning. Other jobs (an
 * apply above all) are never cancelled by a newer push.
 */
export function supersession(job: Job): { group: string; generation: string } | undefined {
  return job.kind === 'plan' ? { group: prKey(job.pr), generation: job.headSha } : undefined;
}
