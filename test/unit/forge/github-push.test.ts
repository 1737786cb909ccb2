import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { mapGithubWebhook } from '../../../src/forge/github/map-webhook.js';

type Payload = Parameters<typeof mapGithubWebhook>[1] & Record<string, unknown>;

/** GitHub's own push example that deletes a ref, pointed at a branch instead of a tag. */
function deletedBranchPush(branch: string): Payload {
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: Payload[];
  }>;
  const deleted = examples.find((d) => d.name === 'push')?.examples.find((e) => e.deleted === true);
  if (!deleted) throw new Error('no push example deleting a ref');
  return { ...structuredClone(deleted), ref: `refs/heads/${branch}` };
}

describe('GitHub push webhooks', () => {
  it('a deleted branch releases what its pull requests held (mapped to branch.deleted)', () => {
    const payload = deletedBranchPush('feature-7');
    expect(mapGithubWebhook('push', payload)).toMatchObject({ kind: 'branch.deleted', branch: 'feature-7' });
  });

  it('ignores pushes that add commits and deleted tags', () => {
    const payload = deletedBranchPush('x');
    expect(mapGithubWebhook('push', { ...payload, deleted: false })).toBeUndefined();
    expect(mapGithubWebhook('push', { ...payload, ref: 'refs/tags/v1' })).toBeUndefined();
  });
});
