import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueCommentEvent } from '../support/github-webhooks.js';
import { noteHook } from '../support/gitlab-webhooks.js';
import {
  type BackendName,
  type ForgeName,
  type Harness,
  INSTALLATION_ID,
  OWNER,
  PROJECT,
  REPO,
  startHarness,
} from '../support/harness.js';

/**
 * Issue 12, finding 10: GitHub signs the body, not the delivery id, so anyone who captured one signed
 * delivery could send it again under a new id and have it processed again (a `sluice apply` comment
 * applied twice). Sluice remembers the hash of every signed body for SLUICE_REPLAY_WINDOW_HOURS and
 * answers a replay like a redelivery: 200 `duplicate`, nothing enqueued.
 */
const matrix: Array<[BackendName, ForgeName]> = [
  ['redis', 'github'],
  ['embedded', 'github'],
  ['redis', 'gitlab'],
  ['embedded', 'gitlab'],
];

function commentDelivery(forge: ForgeName, body: string): { event: string; payload: object } {
  if (forge === 'github') {
    return {
      event: 'issue_comment',
      payload: issueCommentEvent({
        owner: OWNER,
        repo: REPO,
        installationId: INSTALLATION_ID,
        number: 3,
        body,
      }),
    };
  }
  return { event: 'Note Hook', payload: noteHook({ project: PROJECT, iid: 3, body, author: 'dev' }) };
}

describe.each(matrix)('replayed deliveries: %s backend, %s', (backend, forge) => {
  let h: Harness<ForgeName>;
  beforeAll(async () => {
    h = await startHarness<ForgeName>({
      forge,
      backend,
      initialFiles: { 'main.tf': 'terraform {}\n' },
      workers: 0,
    });
  });
  afterAll(() => h?.close());

  const waiting = async () => (await h.sluice.queueCounts()).waiting;

  it('processes a signed command once, whatever delivery id it is re-sent under', async () => {
    const before = await waiting();
    const { event, payload } = commentDelivery(forge, 'sluice plan');
    const first = await h.forge.deliver(event, payload, 'delivery-1');
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ outcome: 'enqueued' });
    expect(await waiting()).toBe(before + 1);

    // The same signed bytes under a new id: a replay. Under the same id: a redelivery.
    for (const id of ['delivery-2', 'delivery-3', 'delivery-1']) {
      const again = await h.forge.deliver(event, payload, id);
      expect(again.status, id).toBe(200);
      expect(await again.json()).toEqual({ outcome: 'duplicate' });
    }
    expect(await waiting()).toBe(before + 1);
    expect(h.logs.filter((line) => line.includes('"outcome":"duplicate"'))).toHaveLength(3);

    // The same words in a new comment are a new command (another body: another comment id).
    const next = commentDelivery(forge, 'sluice plan');
    const fresh = await h.forge.deliver(next.event, next.payload, 'delivery-4');
    expect(fresh.status).toBe(202);
    expect(await waiting()).toBe(before + 2);
  });

  it('does not re-run an autoplan from a replayed pull request delivery', async () => {
    const pr = await h.forge.createPullRequest(4, { 'main.tf': 'terraform {}\n# 4\n' });
    const opened = h.forge.openedDelivery(pr, 'opened-1');
    expect((await h.post(opened.headers, opened.body)).status).toBe(202);
    const before = await h.sluice.queueCounts();
    // The same signed body, signed again the way the forge signs (GitLab's signature covers the id).
    const event = forge === 'github' ? 'pull_request' : 'Merge Request Hook';
    const res = await h.forge.deliver(event, JSON.parse(opened.body.toString()), 'opened-2');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ outcome: 'duplicate' });
    expect(await h.sluice.queueCounts()).toEqual(before);
  });
});
