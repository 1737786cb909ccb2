import { createHash, randomBytes } from 'node:crypto';

/**
 * A stable positive id for a name. The fake and the webhook builders both use it, so a repository
 * or user has the same id in deliveries and in API answers without tests plumbing ids around.
 */
export function stableId(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % 2_000_000_000 || 1;
}

/** A GraphQL-style node id (`U_…`, `R_…`), opaque like GitHub's. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;
}

/** A random 40-hex commit sha. */
export function randomSha(): string {
  return randomBytes(20).toString('hex');
}

/** The git blob sha of some content, as the contents API reports it. */
export function blobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
