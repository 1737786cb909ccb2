import { changeNounCapitalised, changeRef } from '../comments/change-request.js';
import { codeSpan } from '../comments/markdown.js';
import type { PullRequestRef } from '../forge/types.js';
import type { Lock } from '../locks/types.js';
import { prKey, repoKey } from '../store/keys.js';
import type { WorkerDeps } from './worker-deps.js';

/**
 * Releases every lock a PR holds, and plans again the other open PRs that were waiting for one of them
 * (their comment said the project was locked).
 */
export async function releaseLocks(deps: WorkerDeps, pr: PullRequestRef, runId: string): Promise<Lock[]> {
  const released = await deps.locks.releaseAll(prKey(pr));
  if (released.length === 0) return released;
  const self = prKey(pr);
  for (const other of await deps.store.pulls.listByRepo(repoKey(pr.repo))) {
    if (prKey(other.pr) === self) continue;
    const waiting = other.projects.filter(
      (p) => p.status === 'locked' && released.some((l) => l.dir === p.dir && l.workspace === p.workspace),
    );
    if (waiting.length === 0) continue;
    const words = deps.forges.get(pr.repo.forge).capabilities.changeRequest;
    await deps.queue.enqueue({
      kind: 'plan',
      pr: other.pr,
      headSha: other.headSha,
      trigger: 'stale',
      deliveryId: `released-${runId}`,
      note: `${changeNounCapitalised(words)} ${changeRef(words, pr.number)} released the lock on ${waiting.map((p) => codeSpan(p.name)).join(', ')}, so this ${words.noun} is planned now.`,
    });
  }
  return released;
}
