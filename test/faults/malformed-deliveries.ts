/**
 * A bounded, seeded set of signed malformed or forged webhook deliveries: mutations of the published
 * examples (GitHub's @octokit/webhooks-examples, GitLab's documented payloads in test/support) that
 * Sluice must refuse with a 4xx and a reason, never enqueueing anything. Each mutation breaks exactly
 * one thing: a field Sluice reads (wrong type, missing, non-hex SHA, negative or unsafe number, deep
 * nesting), the body as a whole (array, scalar, invalid UTF-8, truncated, oversize, `__proto__`), the
 * content type, or the authentication (unsigned, wrong secret, tampered, malformed signature).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { mapGithubWebhook } from '../../src/forge/github/map-webhook.js';
import { mapGitlabWebhook } from '../../src/forge/gitlab/map-webhook.js';
import { issueCommentEvent, pullRequestEvent, signDelivery } from '../support/github-webhooks.js';
import { mergeRequestHook, noteHook, pushHook } from '../support/gitlab-webhooks.js';

export type Json = Record<string, unknown>;

export interface Forged {
  /** What was broken, for the failure message. */
  label: string;
  headers: Record<string, string>;
  body: Buffer;
}

export interface ForgeKeys {
  forge: 'github' | 'gitlab';
  secret: string;
  /** GitLab's signing token, when deliveries are signed. */
  signingToken?: string;
  maxBytes: number;
  owner: string;
  repo: string;
  installationId: number;
}

/** mulberry32: a small seeded generator, so a failing delivery can be made again from its seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T;

/** Stand-ins replaced in the serialised text: values JSON.stringify cannot write. */
const HUGE = '\u0000HUGE\u0000';
const DEEP = '\u0000DEEP\u0000';
const MISSING = Symbol('missing');

type Kind = 'sha' | 'id' | 'string' | 'name' | 'bool' | 'time' | 'object' | 'literal';
/** A field Sluice reads: its kind, and whether it may be absent or null (those are then valid). */
type Field = [path: string, kind: Kind, optional?: boolean, nullable?: boolean];

const WRONG: Record<Kind, unknown[]> = {
  sha: [
    'not-a-sha',
    'A'.repeat(40),
    'a'.repeat(39),
    'g'.repeat(40),
    `${'a'.repeat(40)}\n`,
    42,
    true,
    {},
    [],
    DEEP,
  ],
  id: [-1, 0, 1.5, '7', 2 ** 60, HUGE, true, {}, [], DEEP],
  string: [42, true, {}, ['x'], DEEP],
  name: ['', 42, true, {}, ['x'], DEEP],
  bool: ['true', 1, {}, [], DEEP],
  time: ['yesterday', '', '2999-01-01T00:00:00Z', 1_700_000_000, {}, [], DEEP],
  object: ['x', 42, true, [], DEEP],
  literal: ['something_else', 42, {}, DEEP],
};

const githubRepository: Field[] = [
  ['repository', 'object'],
  ['repository.id', 'id'],
  ['repository.name', 'name'],
  ['repository.full_name', 'name'],
  ['repository.owner', 'object'],
  ['repository.owner.login', 'name'],
  ['installation', 'object', true],
  ['installation.id', 'id'],
];

const gitlabProject: Field[] = [
  ['object_kind', 'literal'],
  ['project', 'object'],
  ['project.id', 'id'],
  ['project.path_with_namespace', 'name'],
];

interface Base {
  event: string;
  payload: Json;
  fields: Field[];
}

function githubBases(keys: ForgeKeys): Base[] {
  const repo = { owner: keys.owner, repo: keys.repo, installationId: keys.installationId };
  const pull = {
    ...repo,
    number: 90,
    headSha: 'a'.repeat(40),
    baseSha: 'b'.repeat(40),
    branch: 'feature-90',
  };
  const pullFields: Field[] = [
    ...githubRepository,
    ['action', 'name'],
    ['number', 'id'],
    ['pull_request', 'object'],
    ['pull_request.number', 'id'],
    ['pull_request.head', 'object'],
    ['pull_request.head.sha', 'sha'],
    ['pull_request.base.sha', 'sha'],
    ['pull_request.merge_commit_sha', 'sha', false, true],
    ['pull_request.updated_at', 'time'],
    ['pull_request.user', 'object', false, true],
    ['pull_request.user.login', 'name'],
    ['pull_request.draft', 'bool', true],
    ['pull_request.merged', 'bool', true, true],
  ];
  const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Array<{
    name: string;
    examples: Json[];
  }>;
  const deleted = examples.find((d) => d.name === 'push')?.examples.find((e) => e.deleted === true);
  if (!deleted) throw new Error('no push example deleting a ref');
  return [
    ...(['opened', 'synchronize', 'closed', 'reopened'] as const).map((action) => ({
      event: 'pull_request',
      payload: pullRequestEvent(action, pull) as unknown as Json,
      fields: pullFields,
    })),
    {
      event: 'issue_comment',
      payload: issueCommentEvent({ ...repo, number: 90, body: 'sluice plan' }) as unknown as Json,
      fields: [
        ...githubRepository,
        ['action', 'name'],
        ['issue', 'object'],
        ['issue.number', 'id'],
        ['issue.pull_request', 'object', true],
        ['comment', 'object'],
        ['comment.id', 'id'],
        ['comment.body', 'string'],
        ['comment.user', 'object', false, true],
        ['comment.user.login', 'name'],
      ],
    },
    {
      event: 'push',
      payload: { ...structuredClone(deleted), ref: 'refs/heads/feature-90' },
      fields: [...githubRepository, ['ref', 'name'], ['deleted', 'bool']],
    },
  ];
}

function gitlabBases(keys: ForgeKeys): Base[] {
  const project = `${keys.owner}/${keys.repo}`;
  const user: Field[] = [
    ['user', 'object'],
    ['user.id', 'id'],
    ['user.username', 'name'],
  ];
  const mrFields: Field[] = [
    ...gitlabProject,
    ...user,
    ['object_attributes', 'object'],
    ['object_attributes.iid', 'id'],
    ['object_attributes.updated_at', 'time'],
    ['object_attributes.last_commit.id', 'sha'],
    ['object_attributes.action', 'string', true, true],
    ['object_attributes.author_id', 'id', true, true],
    ['object_attributes.draft', 'bool', true, true],
  ];
  const head = 'c'.repeat(40);
  return [
    {
      event: 'Merge Request Hook',
      payload: mergeRequestHook({ project, iid: 90, action: 'open', headSha: head, sourceBranch: 'f90' }),
      fields: mrFields,
    },
    {
      event: 'Merge Request Hook',
      payload: mergeRequestHook({
        project,
        iid: 90,
        action: 'update',
        headSha: head,
        sourceBranch: 'f90',
        oldrev: 'd'.repeat(40),
      }),
      fields: [...mrFields, ['object_attributes.oldrev', 'sha', true, true]],
    },
    {
      event: 'Note Hook',
      payload: noteHook({ project, iid: 90, body: 'sluice plan', author: 'dev' }),
      fields: [
        ...gitlabProject,
        ...user,
        ['object_attributes', 'object'],
        ['object_attributes.id', 'id'],
        ['object_attributes.note', 'string'],
        ['object_attributes.noteable_type', 'string'],
        ['object_attributes.system', 'bool', true, true],
        ['merge_request.iid', 'id'],
      ],
    },
    {
      event: 'Push Hook',
      payload: pushHook({ project, branch: 'f90', before: head, after: '0'.repeat(40) }),
      fields: [...gitlabProject, ['after', 'sha'], ['ref', 'string']],
    },
  ];
}

/** Sets (or with MISSING deletes) the value at a dotted path of a copy. */
function withValue(payload: Json, path: string, value: unknown): Json {
  const copy = structuredClone(payload);
  const keys = path.split('.');
  let target = copy;
  for (const key of keys.slice(0, -1)) target = target[key] as Json;
  const last = keys.at(-1) as string;
  if (value === MISSING) delete target[last];
  else target[last] = value;
  return copy;
}

function serialise(payload: unknown): Buffer {
  const text = JSON.stringify(payload)
    .replaceAll(JSON.stringify(HUGE), '1e400')
    .replaceAll(JSON.stringify(DEEP), `${'['.repeat(5_000)}${']'.repeat(5_000)}`);
  return Buffer.from(text);
}

/** Signs exact bytes as the forge does, with the event and a fresh delivery id. */
function signed(keys: ForgeKeys, event: string, body: Buffer, secret = keys.secret): Forged {
  if (keys.forge === 'github') {
    const { headers } = signDelivery(secret, event, '');
    headers['x-hub-signature-256'] = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return { label: '', headers, body };
  }
  const id = randomUUID();
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-gitlab-event': event,
    'x-gitlab-event-uuid': randomUUID(),
    'idempotency-key': id,
    'x-gitlab-token': secret,
  };
  if (keys.signingToken) {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const key = Buffer.from(keys.signingToken.replace(/^whsec_/, ''), 'base64');
    const signature = createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
    headers['webhook-id'] = id;
    headers['webhook-timestamp'] = timestamp;
    headers['webhook-signature'] = `v1,${signature}`;
  }
  return { label: '', headers, body };
}

/** The base payloads, each checked to be one Sluice accepts: any refusal is the mutation's doing. */
function bases(keys: ForgeKeys): Base[] {
  const all = keys.forge === 'github' ? githubBases(keys) : gitlabBases(keys);
  for (const base of all) {
    // Fields below an object the example does not have (a push without `installation`) are left out.
    base.fields = base.fields.filter(([path]) => {
      const parent = path.split('.').slice(0, -1);
      let at: unknown = base.payload;
      for (const key of parent) at = (at as Json | null)?.[key];
      return at !== null && typeof at === 'object';
    });
    const event =
      keys.forge === 'github'
        ? mapGithubWebhook(base.event, base.payload)
        : mapGitlabWebhook(base.event, base.payload, { botUserId: -1 });
    if (!event) throw new Error(`the unmutated ${base.event} example maps to nothing: fix the fault test`);
  }
  return all;
}

function fieldMutation(keys: ForgeKeys, random: () => number, base: Base): Forged {
  const [path, kind, optional, nullable] = pick(random, base.fields);
  const values: unknown[] = [...WRONG[kind]];
  if (!optional) values.push(MISSING);
  if (!nullable) values.push(null);
  const value = pick(random, values);
  // A field below a missing or null parent is not there to mutate: the parent goes instead.
  const delivery = signed(keys, base.event, serialise(withValue(base.payload, path, value)));
  const shown =
    value === MISSING
      ? 'missing'
      : typeof value === 'string' && value.startsWith('\u0000')
        ? value.replaceAll('\u0000', '')
        : JSON.stringify(value);
  return { ...delivery, label: `${base.event} ${path} = ${shown}` };
}

function bodyMutation(keys: ForgeKeys, random: () => number, base: Base): Forged {
  const good = serialise(base.payload);
  const bodies: Array<[string, () => Buffer]> = [
    ['a JSON array', () => Buffer.from(`[${good}]`)],
    ['a JSON string', () => Buffer.from(JSON.stringify(good.toString()))],
    ['a JSON number', () => Buffer.from('42')],
    ['null', () => Buffer.from('null')],
    ['true', () => Buffer.from('true')],
    ['an empty body', () => Buffer.alloc(0)],
    ['truncated JSON', () => good.subarray(0, Math.floor(good.length * random()))],
    ['trailing garbage', () => Buffer.concat([good, Buffer.from('}')])],
    [
      'invalid UTF-8',
      () => {
        const at = good.indexOf('"', 2);
        return Buffer.concat([good.subarray(0, at + 1), Buffer.from([0xff, 0xc3]), good.subarray(at + 1)]);
      },
    ],
    ['the payload under __proto__', () => Buffer.from(`{"__proto__":${good}}`)],
    ['the payload under constructor.prototype', () => Buffer.from(`{"constructor":{"prototype":${good}}}`)],
    ['deep nesting', () => Buffer.from(`{"a":${'['.repeat(50_000)}${']'.repeat(50_000)}}`)],
    ['oversize', () => Buffer.from(`{"pad":"${'x'.repeat(keys.maxBytes)}"}`)],
  ];
  const [label, make] = pick(random, bodies);
  return { ...signed(keys, base.event, make()), label: `${base.event} body: ${label}` };
}

function headerMutation(keys: ForgeKeys, random: () => number, base: Base): Forged {
  const body = serialise(base.payload);
  const good = () => signed(keys, base.event, body);
  const change = (label: string, edit: (headers: Record<string, string>) => void): Forged => {
    const delivery = good();
    edit(delivery.headers);
    return { ...delivery, label: `${base.event} ${label}` };
  };
  const types = [
    'application/jsonp',
    'application/json-patch+json',
    'application/x-www-form-urlencoded',
    'text/plain',
    'text/json',
    'application/json; charset=latin1',
    'multipart/form-data; boundary=x',
  ];
  const common: Array<() => Forged> = [
    () =>
      change(`content-type ${pick(random, types)}`, (h) => {
        h['content-type'] = pick(random, types);
      }),
    () =>
      change('gzip content-encoding', (h) => {
        h['content-encoding'] = 'gzip';
      }),
    () =>
      change('no content-type', (h) => {
        delete h['content-type'];
      }),
    () => ({
      ...signed(keys, base.event, body, `${keys.secret}-wrong`),
      label: `${base.event} wrong secret`,
    }),
    // A changed body is caught only where the body is signed (GitHub; GitLab with a signing token).
    ...(keys.forge === 'github' || keys.signingToken
      ? [
          () => {
            const delivery = good();
            const text = body.toString().replace(/"(\w+)":(\d+)/, (_all, key, n) => `"${key}":${n}1`);
            return { ...delivery, body: Buffer.from(text), label: `${base.event} tampered after signing` };
          },
        ]
      : []),
  ];
  const github: Array<() => Forged> = [
    () =>
      change('unsigned', (h) => {
        delete h['x-hub-signature-256'];
      }),
    () =>
      change('sha1 signature', (h) => {
        h['x-hub-signature-256'] = `sha1=${'0'.repeat(40)}`;
      }),
    () =>
      change('signature not hex', (h) => {
        h['x-hub-signature-256'] = 'sha256=zz';
      }),
    () =>
      change('no event header', (h) => {
        delete h['x-github-event'];
      }),
    () =>
      change('no delivery id', (h) => {
        delete h['x-github-delivery'];
      }),
    () =>
      change('a delivery id that is not a GUID', (h) => {
        h['x-github-delivery'] = '../../etc/passwd';
      }),
  ];
  const gitlab: Array<() => Forged> = [
    () =>
      change('no token', (h) => {
        delete h['x-gitlab-token'];
      }),
    () =>
      change('no signature', (h) => {
        delete h['webhook-signature'];
      }),
    () =>
      change('a signature from another key', (h) => {
        h['webhook-signature'] = `v1,${Buffer.alloc(32, 7).toString('base64')}`;
      }),
    () =>
      change('a stale timestamp', (h) => {
        h['webhook-timestamp'] = String(Math.floor(Date.now() / 1000) - 3600);
      }),
    () =>
      change('no event header', (h) => {
        delete h['x-gitlab-event'];
      }),
  ];
  return pick(random, [...common, ...(keys.forge === 'github' ? github : gitlab)])();
}

/** `count` deliveries for one forge, the same ones for the same seed. */
export function malformedDeliveries(keys: ForgeKeys, count: number, seed: number): Forged[] {
  const random = seeded(seed);
  const all = bases(keys);
  const out: Forged[] = [];
  for (let i = 0; i < count; i++) {
    const base = pick(random, all);
    const roll = random();
    // Mostly fields (the part a forge bug or a proxy gets wrong), then bodies, then headers.
    const make = roll < 0.6 ? fieldMutation : roll < 0.8 ? bodyMutation : headerMutation;
    out.push(make(keys, random, base));
  }
  return out;
}
