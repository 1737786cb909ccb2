import { z } from 'zod';
import type { Lock, LockHolder } from './types.js';

/** The holder as every backend stores it: JSON text, parsed again when it is read back. */
const LockHolderSchema = z.object({
  prKey: z.string().min(1),
  prNumber: z.number().int().positive(),
  prUrl: z.string(),
  author: z.string(),
  headSha: z.string(),
  project: z.string(),
  dir: z.string(),
  workspace: z.string(),
});

/** Serialises exactly the holder fields (anything else on the object is dropped). */
export function holderJson(holder: LockHolder): string {
  return JSON.stringify(LockHolderSchema.parse(holder));
}

export function toLock(key: string, holder: string, acquiredAt: string, fence: number | string): Lock {
  return { ...LockHolderSchema.parse(JSON.parse(holder)), key, acquiredAt, fence: Number(fence) };
}
