import { createHash } from 'node:crypto';

export { randomSha, stableId } from '../shared/ids.js';

/** A GraphQL-style node id (`U_…`, `R_…`), opaque like GitHub's. */
export function nodeId(prefix: string, id: number): string {
  return `${prefix}_${Buffer.from(`0:${id}`).toString('base64url')}`;
}

/** The git blob sha of some content, as the contents API reports it. */
export function blobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.length}\0`).update(content).digest('hex');
}

/** GitHub's timestamp format: ISO 8601 in UTC, whole seconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
