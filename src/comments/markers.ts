import type { PullRequestRef } from '../forge/types.js';

/**
 * Hidden HTML comments that identify Sluice's own PR comments, so a re-run edits them instead of adding
 * new ones. Every part of a split comment carries the kind's marker; parts after the first add a part
 * marker right after it.
 */

/** The marker of the PR's plan comment. There is one plan comment (in one or more parts) per PR. */
export function planMarker(_pr: PullRequestRef): string {
  return kindMarker('plan');
}

export function kindMarker(kind: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(kind)) throw new Error(`Invalid comment kind: ${kind}`);
  return `<!-- sluice:${kind} -->`;
}

/** `<!-- sluice:plan -->` → `<!-- sluice:plan part=2 -->` */
export function partMarker(marker: string, part: number): string {
  return marker.replace(/\s*-->$/, ` part=${part} -->`);
}

/**
 * The part number of a Sluice comment body: its part marker's number, 1 when it has only the kind
 * marker, undefined when it is not a Sluice comment.
 */
export function parsePartNumber(body: string): number | undefined {
  const part = /<!-- sluice:[a-z][a-z0-9-]* part=(\d+) -->/.exec(body);
  if (part) return Number(part[1]);
  return /<!-- sluice:[a-z][a-z0-9-]* -->/.test(body) ? 1 : undefined;
}
