import { createHash } from 'node:crypto';
import { z } from 'zod';
import { prKey } from '../store/keys.js';

const RepoRefSchema = z.object({
  forge: z.string().min(1),
  id: z.string().min(1),
  owner: z.string().min(1),
  name: z.string().min(1),
  fullName: z.string().min(1),
  auth: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
});

const ShaSchema = z.string().regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, 'a full commit SHA');

export const PlanJobSchema = z.object({
  kind: z.literal('plan'),
  pr: z.object({ repo: RepoRefSchema, number: z.number().int().positive() }),
  headSha: ShaSchema,
  trigger: z.enum(['autoplan', 'command']),
  deliveryId: z.string().min(1),
  requestedBy: z.string().optional(),
});

export type PlanJob = z.infer<typeof PlanJobSchema>;
export type Job = PlanJob;

/** Job data is parsed again when a worker takes it: the queue is an edge too. */
export function parseJob(data: unknown): Job {
  return PlanJobSchema.parse(data);
}

/**
 * The identity of a job: duplicate deliveries of the same change map to the same key.
 * forge + repo + PR + head SHA + command (+ delivery for explicit commands, which users may repeat).
 */
export function jobKey(job: Job): string {
  const parts = [prKey(job.pr), job.headSha, job.kind, job.trigger];
  if (job.trigger === 'command') parts.push(job.deliveryId);
  return `${job.kind}-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

/** Jobs of one group supersede each other: only the newest generation (head SHA) is worth running. */
export function supersession(job: Job): { group: string; generation: string } {
  return { group: prKey(job.pr), generation: job.headSha };
}
