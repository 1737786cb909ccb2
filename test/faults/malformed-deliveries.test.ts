import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullRequestEvent, signDelivery } from '../support/github-webhooks.js';
import {
  type BackendName,
  type ForgeName,
  GITLAB_WEBHOOK_SECRET,
  type Harness,
  INSTALLATION_ID,
  OWNER,
  REPO,
  startHarness,
  WEBHOOK_SECRET,
} from '../support/harness.js';
import { type Forged, type ForgeKeys, malformedDeliveries } from './malformed-deliveries.js';

/**
 * Signed (and forged) malformed deliveries against a real server on each backend and forge: every one
 * is answered 4xx with a reason, none 5xx, and nothing reaches the queue. CI sends 1,000 per backend
 * (half per forge); SLUICE_FAULT_DELIVERIES=10000 sends the full count (docs/testing.md).
 */
const PER_BACKEND = Number(process.env.SLUICE_FAULT_DELIVERIES ?? 1_000);
const SEED = Number(process.env.SLUICE_FAULT_SEED ?? 1_312);
const MAX_BYTES = 256 * 1024;
const CONCURRENCY = 8;

interface Answer {
  label: string;
  status: number;
  error?: string;
  message?: string;
}

async function sendAll(h: Harness<ForgeName>, deliveries: Forged[]): Promise<Answer[]> {
  const answers: Answer[] = [];
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < deliveries.length; i = next++) {
      const delivery = deliveries[i] as Forged;
      const res = await h.post(delivery.headers, delivery.body);
      const text = await res.text();
      let body: { error?: string; message?: string } = {};
      try {
        body = JSON.parse(text);
      } catch {}
      answers.push({ label: delivery.label, status: res.status, error: body.error, message: body.message });
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  return answers;
}

const matrix: Array<[BackendName, ForgeName]> = [
  ['redis', 'github'],
  ['redis', 'gitlab'],
  ['embedded', 'github'],
  ['embedded', 'gitlab'],
];

describe.each(matrix)('malformed deliveries: %s backend, %s', (backend, forge) => {
  let h: Harness<ForgeName>;
  let before: Awaited<ReturnType<Harness['sluice']['queueCounts']>>;
  beforeAll(async () => {
    h = await startHarness<ForgeName>({
      forge,
      backend,
      initialFiles: { 'main.tf': 'terraform {}\n' },
      workers: 0,
      env: { SLUICE_WEBHOOK_MAX_BYTES: String(MAX_BYTES) },
    });
  });
  afterAll(() => h?.close());

  it(`answers each of ${PER_BACKEND / 2} with a 4xx and a reason, and enqueues none`, async () => {
    const keys: ForgeKeys = {
      forge,
      secret: forge === 'github' ? WEBHOOK_SECRET : GITLAB_WEBHOOK_SECRET,
      signingToken: h.settings.gitlab?.webhookSigningToken,
      maxBytes: MAX_BYTES,
      owner: OWNER,
      repo: REPO,
      installationId: INSTALLATION_ID,
    };
    const seed = SEED + (forge === 'github' ? 0 : 1) + (backend === 'redis' ? 0 : 2);
    const deliveries = malformedDeliveries(keys, PER_BACKEND / 2, seed);
    // The reconciliation Sluice schedules at start is the one job there may be.
    before = await h.sluice.queueCounts();
    const answers = await sendAll(h, deliveries);

    const wrong = answers.filter(
      (a) => a.status < 400 || a.status >= 500 || !a.error || !a.message || a.message.length < 10,
    );
    expect(wrong.slice(0, 10), `seed ${seed}: ${wrong.length} answered wrongly`).toEqual([]);
    expect(answers).toHaveLength(deliveries.length);
    expect(await h.sluice.queueCounts()).toEqual(before);
    // Every kind of refusal was exercised.
    const statuses = new Set(answers.map((a) => a.status));
    if (deliveries.length >= 400)
      for (const status of [400, 401, 413, 415]) expect(statuses).toContain(status);
    // Each refusal is logged with its code.
    expect(
      h.logs.filter((line) => /"code":"(WEBHOOK_[A-Z_]+|BAD_REQUEST)"/.test(line)).length,
    ).toBeGreaterThanOrEqual(answers.length);
    // A field's refusal names the field.
    const field = answers.find((a) => a.label.includes('head.sha') || a.label.includes('last_commit.id'));
    if (field) expect(field.message).toMatch(/(head\.sha|last_commit\.id): /);
  });

  it('a signed delivery with a non-hex head SHA and a later timestamp neither advances nor cancels the head', async () => {
    const pr = await h.forge.createPullRequest(92, { 'main.tf': 'terraform {}\n# 92\n' });
    const opened = h.forge.openedDelivery(pr);
    expect((await h.post(opened.headers, opened.body)).status).toBe(202);
    const payload = JSON.parse(opened.body.toString());
    const event = forge === 'github' ? 'pull_request' : 'Merge Request Hook';
    if (forge === 'github') {
      payload.action = 'synchronize';
      payload.pull_request.head.sha = 'not-a-sha';
      payload.pull_request.updated_at = '2099-01-01T00:00:00Z';
    } else {
      payload.object_attributes.action = 'update';
      payload.object_attributes.oldrev = pr.headSha;
      payload.object_attributes.last_commit.id = 'not-a-sha';
      payload.object_attributes.updated_at = '2099-01-01 00:00:00 UTC';
    }
    const forged = await h.forge.deliver(event, payload);
    expect(forged.status).toBe(400);
    expect(((await forged.json()) as { message: string }).message).toMatch(/(head\.sha|last_commit\.id): /);
    // The real next push is planned, not refused as older than the forged one.
    const waiting = (await h.sluice.queueCounts()).waiting;
    await h.forge.push(pr, { 'main.tf': 'terraform {}\n# 92 again\n' });
    await h.waitFor(async () => (await h.sluice.queueCounts()).waiting === waiting + 1);
    expect(h.logs.some((line) => line.includes('"outcome":"stale"'))).toBe(false);
  });

  it('still plans the real head afterwards: no malformed delivery advanced or cancelled it', async () => {
    const waiting = (await h.sluice.queueCounts()).waiting;
    if (forge === 'gitlab') {
      const pr = await h.forge.createPullRequest(91, { 'main.tf': 'terraform {}\n# 91\n' });
      const opened = h.forge.openedDelivery(pr);
      const res = await h.post(opened.headers, opened.body);
      expect(res.status).toBe(202);
    } else {
      const payload = pullRequestEvent('synchronize', {
        owner: OWNER,
        repo: REPO,
        installationId: INSTALLATION_ID,
        number: 90,
        headSha: 'e'.repeat(40),
        baseSha: 'b'.repeat(40),
        branch: 'feature-90',
      });
      const signed = signDelivery(WEBHOOK_SECRET, 'pull_request', payload);
      const res = await h.post(signed.headers, signed.body);
      expect(res.status).toBe(202);
      expect(await res.json()).toMatchObject({ outcome: 'enqueued' });
    }
    expect((await h.sluice.queueCounts()).waiting).toBe(waiting + 1);
  });
});
