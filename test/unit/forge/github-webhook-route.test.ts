import { createHash, createHmac } from 'node:crypto';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { Delivery } from '../../../src/forge/events.js';
import { githubWebhookRoute } from '../../../src/forge/github/webhook-route.js';
import { createLogger } from '../../../src/logger.js';
import type { AcceptDelivery } from '../../../src/server/accept-delivery.js';
import { buildServer, type WebhookPlugin } from '../../../src/server/build-server.js';
import { createMetrics } from '../../../src/server/metrics.js';
import { issueCommentEvent, pullRequestEvent, signDelivery } from '../../support/github-webhooks.js';

const PATH = '/api/github/webhooks';
const SECRET = 'github-webhook-secret-0123456789';
const MAX_BYTES = 1024 * 1024;
const repo = { owner: 'acme', repo: 'infra', installationId: 4242 };
const pull = { ...repo, number: 7, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), branch: 'feature-7' };

type Json = Record<string, unknown>;

function deletedBranchPush(): Json {
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: Json[];
  }>;
  const deleted = examples.find((d) => d.name === 'push')?.examples.find((e) => e.deleted === true);
  if (!deleted) throw new Error('no push example deleting a ref');
  return { ...structuredClone(deleted), ref: 'refs/heads/feature-7' };
}

const events: Record<string, () => Json> = {
  pull_request: () => pullRequestEvent('synchronize', pull) as unknown as Json,
  issue_comment: () => issueCommentEvent({ ...repo, number: 7, body: 'sluice plan' }) as unknown as Json,
  push: deletedBranchPush,
};

/** Sets (or, for `undefined`, deletes) the value at a dotted path of a copy. */
function mutate(payload: Json, path: string, value: unknown): Json {
  const copy = structuredClone(payload);
  const keys = path.split('.');
  let target = copy as Json;
  for (const key of keys.slice(0, -1)) target = target[key] as Json;
  const last = keys.at(-1) as string;
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

/** Each field Sluice reads, and values GitHub never sends there. */
const WRONG: Array<[event: string, path: string, values: unknown[]]> = [
  ['pull_request', 'action', [undefined, 7, null, '']],
  ['pull_request', 'number', [undefined, -1, 0, 1.5, '7']],
  ['pull_request', 'repository', [undefined, 'acme/infra', []]],
  ['pull_request', 'repository.id', [undefined, -5, '123', 2 ** 60]],
  ['pull_request', 'repository.name', [undefined, '', 42, { a: 1 }]],
  ['pull_request', 'repository.full_name', [undefined, 'no-slash', 1]],
  ['pull_request', 'repository.owner.login', [undefined, '', ['acme']]],
  ['pull_request', 'installation.id', [-1, 'x', 0]],
  ['pull_request', 'pull_request.number', [undefined, -7, '7', null]],
  ['pull_request', 'pull_request.head.sha', [undefined, 'not-a-sha', 'A'.repeat(40), 'a'.repeat(39), 42]],
  ['pull_request', 'pull_request.base.sha', [undefined, 'deadbeef', { sha: 'x' }]],
  ['pull_request', 'pull_request.merge_commit_sha', [undefined, 'zz', 5]],
  ['pull_request', 'pull_request.updated_at', [undefined, 'yesterday', 1700000000, '']],
  ['pull_request', 'pull_request.user', [undefined, 'dev', 5]],
  ['pull_request', 'pull_request.draft', ['yes', 1]],
  ['issue_comment', 'action', [undefined, 1]],
  ['issue_comment', 'issue.number', [undefined, -1, '7']],
  ['issue_comment', 'issue.pull_request', ['yes', 1]],
  ['issue_comment', 'comment.id', [undefined, -3, 'c1']],
  ['issue_comment', 'comment.body', [undefined, 5, { text: 'sluice plan' }, `sluice ${'x'.repeat(140_000)}`]],
  ['issue_comment', 'comment.user.login', [undefined, 5]],
  ['push', 'ref', [undefined, 5, '']],
  ['push', 'deleted', [undefined, 'true', 1]],
  ['push', 'repository.owner', [undefined, null, 'octocat']],
];

const cases = WRONG.flatMap(([event, path, values]) =>
  values.map(
    (value) =>
      [event, path, value === undefined ? '(missing)' : JSON.stringify(value).slice(0, 40), value] as const,
  ),
);

function recordingAcceptor(): { accept: AcceptDelivery; accepted: Delivery[] } {
  const accepted: Delivery[] = [];
  const accept: AcceptDelivery = async (delivery) => {
    if (!delivery.event) return { outcome: 'ignored' };
    accepted.push(delivery);
    return { outcome: 'enqueued', jobId: `job-${accepted.length}` };
  };
  return { accept, accepted };
}

describe('GitHub webhook route', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function start(accept = recordingAcceptor()) {
    app = await buildServer({
      logger: createLogger({ level: 'silent' }),
      metrics: createMetrics(),
      ready: async () => {},
      webhooks: [
        {
          plugin: githubWebhookRoute as WebhookPlugin['plugin'],
          options: { path: PATH, secret: SECRET, maxBytes: MAX_BYTES, accept: accept.accept },
        },
      ],
    });
    const post = (headers: Record<string, string>, body: Buffer | string) =>
      (app as FastifyInstance).inject({ method: 'POST', url: PATH, headers, payload: body });
    return { post, accepted: accept.accepted };
  }

  it('accepts the published examples and passes the hash of the signed body along', async () => {
    const { post, accepted } = await start();
    for (const [name, make] of Object.entries(events)) {
      const signed = signDelivery(SECRET, name, make());
      const res = await post(signed.headers, signed.body);
      expect(res.statusCode, name).toBe(202);
      expect(accepted.at(-1)?.bodyHash).toBe(createHash('sha256').update(signed.body).digest('hex'));
    }
    expect(accepted.map((d) => d.event?.kind)).toEqual([
      'pull_request.updated',
      'comment.created',
      'branch.deleted',
    ]);
  });

  it.each(cases)(
    '%s with %s = %s: 400 naming the field, nothing accepted',
    async (event, path, _shown, value) => {
      const { post, accepted } = await start();
      const make = events[event] as () => Json;
      const signed = signDelivery(SECRET, event, mutate(make(), path, value));
      const res = await post(signed.headers, signed.body);
      expect(res.statusCode).toBe(400);
      const answer = res.json() as { error: string; message: string };
      expect(answer.error).toBe('WEBHOOK_PAYLOAD_MALFORMED');
      expect(answer.message).toContain(`${path}:`);
      expect(accepted).toEqual([]);
    },
  );

  it('parses every action of a handled event, not only the ones Sluice acts on', async () => {
    const { post, accepted } = await start();
    const labeled = { ...events.pull_request?.(), action: 'labeled' };
    const good = signDelivery(SECRET, 'pull_request', labeled);
    expect((await post(good.headers, good.body)).json()).toEqual({ outcome: 'ignored' });
    const bad = signDelivery(SECRET, 'pull_request', mutate(labeled, 'pull_request.head.sha', 'not-a-sha'));
    expect((await post(bad.headers, bad.body)).statusCode).toBe(400);
    expect(accepted).toEqual([]);
  });

  it.each([
    ['a JSON array', '[1, 2]', /an array, not a JSON object/],
    ['a JSON string', '"hello"', /a string, not a JSON object/],
    ['null', 'null', /null, not a JSON object/],
    ['truncated JSON', '{"action": "opened",', /not valid JSON/],
    ['an empty body', '', /not valid JSON/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), /not valid UTF-8/],
    ['deep nesting', `{"action":${'['.repeat(30_000)}${']'.repeat(30_000)}}`, /pull_request payload/],
    [
      'a number too large for a double',
      JSON.stringify(events.pull_request?.()).replace('"number":7', '"number":1e400'),
      /number: expected number, received Infinity/,
    ],
    [
      'a __proto__ key',
      '{"__proto__": {"action": "opened"}, "constructor": {"prototype": 1}}',
      /action: required/,
    ],
  ])('refuses %s with 400 and a reason', async (_name, body, reason) => {
    const { post, accepted } = await start();
    const signed = signDelivery(SECRET, 'pull_request', typeof body === 'string' ? body : '');
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    signed.headers['x-hub-signature-256'] =
      `sha256=${createHmac('sha256', SECRET).update(bytes).digest('hex')}`;
    const res = await post(signed.headers, bytes);
    expect(res.statusCode).toBe(400);
    expect((res.json() as { message: string }).message).toMatch(reason);
    expect(accepted).toEqual([]);
  });

  it.each([
    ['application/jsonp', 415],
    ['application/json-patch+json', 415],
    ['text/json', 415],
    ['application/json; charset=latin1', 415],
    ['application/x-www-form-urlencoded', 415],
    ['application/json', 202],
    ['application/json; charset=utf-8', 202],
    ['gzip-encoded', 415],
    ['Application/JSON; Charset="UTF-8"', 202],
  ])('content type %s: %i', async (type, status) => {
    const { post } = await start();
    const signed = signDelivery(SECRET, 'pull_request', events.pull_request?.() ?? {});
    if (type === 'gzip-encoded') signed.headers['content-encoding'] = 'gzip';
    else signed.headers['content-type'] = type;
    const res = await post(signed.headers, signed.body);
    expect(res.statusCode).toBe(status);
    if (status === 415) {
      expect((res.json() as { message: string }).message).toContain('choose application/json');
    }
  });

  it('refuses unsigned, wrongly signed, header-less and oversized deliveries with a 4xx and a reason', async () => {
    const { post, accepted } = await start();
    const make = () => signDelivery(SECRET, 'pull_request', events.pull_request?.() ?? {});
    const unsigned = make();
    delete unsigned.headers['x-hub-signature-256'];
    const wrong = make();
    wrong.headers['x-hub-signature-256'] = `sha256=${'0'.repeat(64)}`;
    const noEvent = make();
    delete noEvent.headers['x-github-event'];
    const oddId = make();
    oddId.headers['x-github-delivery'] = 'x'.repeat(500);
    const big = signDelivery(SECRET, 'pull_request', {
      ...events.pull_request?.(),
      pad: 'x'.repeat(MAX_BYTES),
    });
    const answers = [];
    for (const d of [unsigned, wrong, noEvent, oddId, big]) {
      const res = await post(d.headers, d.body);
      answers.push([res.statusCode, (res.json() as { error: string }).error]);
    }
    expect(answers).toEqual([
      [401, 'WEBHOOK_SIGNATURE_MISSING'],
      [401, 'WEBHOOK_SIGNATURE_INVALID'],
      [400, 'WEBHOOK_HEADERS_MISSING'],
      [400, 'WEBHOOK_HEADERS_MISSING'],
      [413, 'WEBHOOK_PAYLOAD_TOO_LARGE'],
    ]);
    expect(accepted).toEqual([]);
  });

  it('answers 503 with Retry-After when the acceptor cannot reach the store', async () => {
    const { post } = await start({
      accepted: [],
      accept: async () => {
        const { SluiceError } = await import('../../../src/errors.js');
        throw new SluiceError('NOT_READY', 'store down');
      },
    });
    const signed = signDelivery(SECRET, 'pull_request', events.pull_request?.() ?? {});
    const res = await post(signed.headers, signed.body);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('30');
  });
});
