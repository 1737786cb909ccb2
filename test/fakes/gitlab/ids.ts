import { stableId } from '../shared/ids.js';

export { randomSha, stableId } from '../shared/ids.js';

export const projectId = (path: string) => stableId(`project:${path.toLowerCase()}`);
export const userId = (username: string) => stableId(`user:${username.toLowerCase()}`);
export const namespaceId = (path: string) => stableId(`namespace:${path.toLowerCase()}`);
export const mergeRequestId = (path: string, iid: number) => stableId(`mr:${path.toLowerCase()}!${iid}`);

/** GitLab's API timestamp format: ISO 8601 in UTC with milliseconds. */
export function timestamp(date = new Date()): string {
  return date.toISOString();
}
