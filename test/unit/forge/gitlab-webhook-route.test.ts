import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/forge/events.js';
import {
  type GitlabWebhookRouteOptions,
  gitlabWebhookRoute,
} from '../../../src/forge/gitlab/webhook-route.js';
import { createLogger } from '../../../src/logger.js';
import type { AcceptDelivery } from '../../../src/server/accept-delivery.js';
import { buildServer, type WebhookPlugin } from '../../../src/server/build-server.js';
import { createMetrics } from '../../../src/server/metrics.js';
import { userId } from '../../fakes/gitlab/ids.js';
import { mergeRequestHook, noteHook, signGitlabDelivery } from '../../support/gitlab-webhooks.js';

const PATH = '/api/gitlab/webhooks';
const SECRET = 'gitlab-webhook-secret-0123456789';
const SIGNING_TOKEN = `whsec_${randomBytes(32).toString('base64')}`;
const BOT = 'sluice-bot';
const MAX_BYTES = 16 * 1024;

const openHook = () =>
  mergeRequestHook({
    project: 'acme/infra',
    iid: 4,
    action: 'open',
    headSha: 'a'.repeat(40),
    sourceBranch: 'f',
  });

/** The acceptor's contract as the route sees it: ignore unmapped events, claim each delivery id once. */
function recordingAcceptor(): { accept: AcceptDelivery; accepted: Delivery[] } {
  const claimed = new Set<string>();
  const accepted: Delivery[] = [];
  const accept: AcceptDelivery = async (delivery) => {
    if (!delivery.event) return { outcome: 'ignored' };
    if (claimed.has(`${delivery.forge}/${delivery.id}`)) return { outcome: 'duplicate' };
    claimed.add(`${delivery.forge}/${delivery.id}`);
    accepted.push(delivery);
    return { outcome: 'enqueued', jobId: `job-${accepted.length}` };
  };
  return { accept, accepted };
}

describe('GitLab webhook route', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(options: Partial<GitlabWebhookRouteOptions> = {}) {
    const { accept, accepted } = recordingAcceptor();
    const lookups: number[] = [];
    const routeOptions: GitlabWebhookRouteOptions = {
      path: PATH,
      secret: SECRET,
      maxBytes: MAX_BYTES,
      accept,
      botUserId: async () => {
        lookups.push(1);
        return userId(BOT);
      },
      ...options,
    };
    app = await buildServer({
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      ready: async () => {},
      webhooks: [{ plugin: gitlabWebhookRoute as WebhookPlugin['plugin'], options: routeOptions }],
    });
    const post = (headers: Record<string, string>, body: Buffer | string) =>
      (app as FastifyInstance).inject({ method: 'POST', url: PATH, headers, payload: body });
    return { accepted, lookups, post };
  }

  it('accepts a delivery with the right token: 202, keyed by Idempotency-Key', async () => {
    const { accepted, post } = await start();
    const signed = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook(), { idempotencyKey: 'idem-1' });
    const res = await post(signed.headers, signed.body);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ outcome: 'enqueued', jobId: 'job-1' });
    expect(accepted).toEqual([
      {
        id: 'idem-1',
        forge: 'gitlab',
        name: 'Merge Request Hook',
        event: expect.objectContaining({ kind: 'pull_request.updated', reason: 'opened' }),
        // The body's SHA-256: a replay of the same bytes under a new key is a duplicate.
        bodyHash: createHash('sha256').update(signed.body).digest('hex'),
      },
    ]);
  });

  it('accepts a duplicate Idempotency-Key once', async () => {
    const { accepted, post } = await start();
    const first = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook(), { idempotencyKey: 'idem-2' });
    const retry = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook(), { idempotencyKey: 'idem-2' });
    expect((await post(first.headers, first.body)).statusCode).toBe(202);
    const again = await post(retry.headers, retry.body);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toEqual({ outcome: 'duplicate' });
    expect(accepted).toHaveLength(1);
  });

  it('falls back to X-Gitlab-Event-UUID where GitLab sends no Idempotency-Key', async () => {
    const { accepted, post } = await start();
    const signed = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook(), { uuid: 'uuid-1' });
    delete signed.headers['idempotency-key'];
    expect((await post(signed.headers, signed.body)).statusCode).toBe(202);
    expect(accepted[0]?.id).toBe('uuid-1');
  });

  it.each([
    ['a missing token', undefined, 'WEBHOOK_SIGNATURE_MISSING'],
    ['a wrong token', 'not-the-secret', 'WEBHOOK_SIGNATURE_INVALID'],
    ['an empty token', '', 'WEBHOOK_SIGNATURE_MISSING'],
  ])('refuses %s with 401 and accepts nothing', async (_name, token, code) => {
    const { accepted, post } = await start();
    const signed = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook());
    if (token === undefined) delete signed.headers['x-gitlab-token'];
    else signed.headers['x-gitlab-token'] = token;
    const res = await post(signed.headers, signed.body);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ error: code });
    expect(accepted).toEqual([]);
  });

  it('refuses an oversize delivery with 413 before anything is accepted', async () => {
    const { accepted, post } = await start();
    const payload = { ...openHook(), padding: 'x'.repeat(MAX_BYTES) };
    const signed = signGitlabDelivery(SECRET, 'Merge Request Hook', payload);
    const res = await post(signed.headers, signed.body);
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'WEBHOOK_PAYLOAD_TOO_LARGE' });
    expect(accepted).toEqual([]);
  });

  it.each([
    ['malformed JSON', '{"object_kind": "merge_request",', 'WEBHOOK_PAYLOAD_MALFORMED'],
    ['a JSON array', '[1, 2]', 'WEBHOOK_PAYLOAD_MALFORMED'],
    [
      'a merge request without its iid',
      JSON.stringify({ ...openHook(), object_attributes: {} }),
      'WEBHOOK_PAYLOAD_MALFORMED',
    ],
  ])('refuses %s with 400', async (_name, body, code) => {
    const { accepted, post } = await start();
    const signed = signGitlabDelivery(SECRET, 'Merge Request Hook', body);
    const res = await post(signed.headers, signed.body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: code });
    expect(accepted).toEqual([]);
  });

  it('refuses deliveries without an event name or id (400) or not sent as JSON (415)', async () => {
    const { post } = await start();
    const noEvent = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook());
    delete noEvent.headers['x-gitlab-event'];
    expect((await post(noEvent.headers, noEvent.body)).statusCode).toBe(400);
    const noId = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook());
    delete noId.headers['idempotency-key'];
    delete noId.headers['x-gitlab-event-uuid'];
    expect((await post(noId.headers, noId.body)).statusCode).toBe(400);
    const form = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook());
    form.headers['content-type'] = 'application/x-www-form-urlencoded';
    expect((await post(form.headers, form.body)).statusCode).toBe(415);
    for (const type of [
      'application/jsonp',
      'application/json-patch+json',
      'application/json; charset=latin1',
    ]) {
      const other = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook());
      other.headers['content-type'] = type;
      expect((await post(other.headers, other.body)).statusCode, type).toBe(415);
    }
    const oddId = signGitlabDelivery(SECRET, 'Merge Request Hook', openHook(), {
      idempotencyKey: 'a b/../c',
    });
    const res = await post(oddId.headers, oddId.body);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      error: 'WEBHOOK_HEADERS_MISSING',
      message: expect.stringMatching(/UUID/),
    });
  });

  it("answers 200 for events it ignores, and leaves the bot's own notes alone", async () => {
    const { accepted, lookups, post } = await start();
    const pipeline = signGitlabDelivery(SECRET, 'Pipeline Hook', { object_kind: 'pipeline' });
    expect((await post(pipeline.headers, pipeline.body)).json()).toEqual({ outcome: 'ignored' });
    expect(lookups).toEqual([]);
    const own = signGitlabDelivery(
      SECRET,
      'Note Hook',
      noteHook({ project: 'acme/infra', iid: 4, body: '<!-- sluice:plan -->', author: BOT }),
    );
    expect((await post(own.headers, own.body)).json()).toEqual({ outcome: 'ignored' });
    const human = signGitlabDelivery(
      SECRET,
      'Note Hook',
      noteHook({ project: 'acme/infra', iid: 4, body: 'sluice plan', author: 'dev' }),
    );
    expect((await post(human.headers, human.body)).statusCode).toBe(202);
    expect(accepted.map((d) => d.event?.kind)).toEqual(['comment.created']);
  });

  it('answers 503 for a note while it cannot tell who it is, so GitLab redelivers', async () => {
    const { accepted, post } = await start({
      botUserId: async () => {
        throw new Error('connect ECONNREFUSED');
      },
    });
    const note = signGitlabDelivery(
      SECRET,
      'Note Hook',
      noteHook({ project: 'acme/infra', iid: 4, body: 'x', author: 'dev' }),
    );
    const res = await post(note.headers, note.body);
    expect(res.statusCode).toBe(503);
    expect(accepted).toEqual([]);
  });

  describe('with a signing token', () => {
    const now = 1_750_000_000;
    const signed = (options: { timestamp?: number; idempotencyKey?: string } = {}) =>
      signGitlabDelivery(SECRET, 'Merge Request Hook', openHook(), {
        signingToken: SIGNING_TOKEN,
        timestamp: now,
        ...options,
      });

    it('accepts a signed delivery, keyed by its signed webhook-id', async () => {
      const { accepted, post } = await start({ signingToken: SIGNING_TOKEN, now: () => now });
      const delivery = signed({ idempotencyKey: 'idem-signed' });
      expect((await post(delivery.headers, delivery.body)).statusCode).toBe(202);
      expect(accepted.map((d) => d.id)).toEqual(['idem-signed']);
    });

    it('keeps a replay with a new Idempotency-Key a duplicate', async () => {
      const { accepted, post } = await start({ signingToken: SIGNING_TOKEN, now: () => now + 60 });
      const delivery = signed({ idempotencyKey: 'idem-replayed' });
      expect((await post(delivery.headers, delivery.body)).statusCode).toBe(202);
      const replay = {
        ...delivery.headers,
        'idempotency-key': randomUUID(),
        'x-gitlab-event-uuid': randomUUID(),
      };
      expect((await post(replay, delivery.body)).json()).toEqual({ outcome: 'duplicate' });
      expect(accepted).toHaveLength(1);
    });

    it.each([
      [
        'unsigned',
        (d: ReturnType<typeof signed>) => {
          delete d.headers['webhook-signature'];
        },
        'WEBHOOK_SIGNATURE_MISSING',
      ],
      [
        'signed with another token',
        (d: ReturnType<typeof signed>) => {
          d.headers['webhook-signature'] = `v1,${randomBytes(32).toString('base64')}`;
        },
        'WEBHOOK_SIGNATURE_INVALID',
      ],
      [
        'with a tampered webhook-id',
        (d: ReturnType<typeof signed>) => {
          d.headers['webhook-id'] = 'other-id';
        },
        'WEBHOOK_SIGNATURE_INVALID',
      ],
    ])('refuses a delivery %s with 401', async (_name, spoil, code) => {
      const { accepted, post } = await start({ signingToken: SIGNING_TOKEN, now: () => now });
      const delivery = signed();
      spoil(delivery);
      const res = await post(delivery.headers, delivery.body);
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: code });
      expect(accepted).toEqual([]);
    });

    it('refuses a delivery signed more than five minutes ago', async () => {
      const { accepted, post } = await start({ signingToken: SIGNING_TOKEN, now: () => now + 301 });
      const delivery = signed();
      const res = await post(delivery.headers, delivery.body);
      expect(res.statusCode).toBe(401);
      expect(res.json().message).toMatch(/more than 5 minutes/);
      expect(accepted).toEqual([]);
    });

    it('still requires the secret token', async () => {
      const { post } = await start({ signingToken: SIGNING_TOKEN, now: () => now });
      const delivery = signed();
      delivery.headers['x-gitlab-token'] = 'wrong';
      expect((await post(delivery.headers, delivery.body)).statusCode).toBe(401);
    });
  });
});
