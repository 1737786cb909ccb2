import { createHash, randomBytes } from 'node:crypto';

/**
 * A stable positive id for a name. A fake and its webhook builders both use it, so a repository,
 * project or user has the same id in deliveries and in API answers without tests plumbing ids around.
 */
export function stableId(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % 2_000_000_000 || 1;
}

/** A random 40-hex commit sha. */
export function randomSha(): string {
  return randomBytes(20).toString('hex');
}
