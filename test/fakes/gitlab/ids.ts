import { createHash, randomBytes } from 'node:crypto';

/**
 * A stable positive id for a name. The fake and the webhook builders both use it, so a project, user or
 * merge request has the same id in deliveries and in API answers without tests plumbing ids around.
 */
export function stableId(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) % 2_000_000_000 || 1;
}

export const projectId = (path: string) => stableId(`project:${path.toLowerCase()}`);
export const userId = (username: string) => stableId(`user:${username.toLowerCase()}`);
export const namespaceId = (path: string) => stableId(`namespace:${path.toLowerCase()}`);
export const mergeRequestId = (path: string, iid: number) => stableId(`mr:${path.toLowerCase()}!${iid}`);

/** A random 40-hex commit sha. */
export function randomSha(): string {
  return randomBytes(20).toString('hex');
}

/** GitLab's API timestamp format: ISO 8601 in UTC with milliseconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString();
}
