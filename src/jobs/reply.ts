import { kindMarker } from '../comments/markers.js';
import type { Forge, PullRequestRef } from '../forge/types.js';

/** A short answer to a command (usage, a refusal, what was unlocked): a new comment each time. */
export async function reply(forge: Forge, pr: PullRequestRef, markdown: string): Promise<void> {
  await forge.createComment(pr, `${kindMarker('reply')}\n${markdown}`);
}
