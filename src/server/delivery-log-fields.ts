import type { ForgeEvent } from '../forge/events.js';

/** The repository and pull request a webhook delivery is about, for its log line (none for ignored events). */
export function deliveryLogFields(event: ForgeEvent | undefined): { repo?: string; pr?: number } {
  if (!event) return {};
  if ('pr' in event) return { repo: event.pr.repo.fullName, pr: event.pr.number };
  return { repo: event.repo.fullName };
}
