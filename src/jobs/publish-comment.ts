import type { Forge, PullRequestRef } from '../forge/types.js';
import { prKey } from '../store/keys.js';
import type { CommentIds } from '../store/types.js';

/**
 * Makes the PR show exactly `parts` as Sluice's comment of one kind: edits the existing parts in place,
 * creates missing ones, deletes extra ones. Ids are cached; the marker finds them when the cache is wrong.
 */
export async function publishComment(options: {
  forge: Forge;
  pr: PullRequestRef;
  kind: string;
  marker: string;
  parts: string[];
  ids: CommentIds;
}): Promise<string[]> {
  const { forge, pr, kind, marker, parts, ids } = options;
  const key = prKey(pr);
  const cached = await ids.get(key, kind);
  try {
    return await write(forge, pr, parts, cached, key, kind, ids);
  } catch {
    // A cached comment was deleted or edited away: look the parts up by their marker and try once more.
    const found = (await forge.findComments(pr, marker)).map((c) => c.id);
    return write(forge, pr, parts, found, key, kind, ids);
  }
}

async function write(
  forge: Forge,
  pr: PullRequestRef,
  parts: string[],
  existing: string[],
  key: string,
  kind: string,
  ids: CommentIds,
): Promise<string[]> {
  const written: string[] = [];
  for (const [index, body] of parts.entries()) {
    const id = existing[index];
    if (id) {
      await forge.updateComment(pr, id, body);
      written.push(id);
    } else {
      written.push(await forge.createComment(pr, body));
    }
  }
  for (const extra of existing.slice(parts.length)) await forge.deleteComment(pr, extra);
  await ids.set(key, kind, written);
  return written;
}
