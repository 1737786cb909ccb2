import { describe, expect, it } from 'vitest';
import { mapGithubWebhook } from '../../src/forge/github/map-webhook.js';
import { verifyGithubSignature } from '../../src/forge/github/verify-signature.js';
import { stableId } from '../fakes/github/ids.js';
import {
  assertWebhookPayload,
  issueCommentEvent,
  pullRequestEvent,
  pullRequestReviewEvent,
  signDelivery,
} from '../support/github-webhooks.js';

const repo = { owner: 'acme', repo: 'infra', installationId: 4242 };
const pull = { ...repo, number: 7, headSha: 'a'.repeat(40), baseSha: 'b'.repeat(40), branch: 'feature-7' };
type MappedPayload = Parameters<typeof mapGithubWebhook>[1];

describe('pullRequestEvent', () => {
  it.each(['opened', 'reopened', 'synchronize', 'ready_for_review', 'closed'] as const)(
    '%s carries the given pull request and passes the schema',
    (action) => {
      const payload = pullRequestEvent(action, { ...pull, author: 'dev', draft: action === 'opened' });
      expect(() => assertWebhookPayload('pull_request', payload)).not.toThrow();
      expect(payload).toMatchObject({
        action,
        number: 7,
        installation: { id: 4242 },
        repository: {
          id: stableId('repo:acme/infra'),
          name: 'infra',
          full_name: 'acme/infra',
          owner: { login: 'acme' },
          clone_url: 'https://github.com/acme/infra.git',
        },
        pull_request: {
          number: 7,
          draft: action === 'opened',
          merged: false,
          user: { login: 'dev' },
          head: { sha: pull.headSha, ref: 'feature-7' },
          base: { sha: pull.baseSha, ref: 'main' },
        },
        sender: { login: 'dev' },
      });
      expect(JSON.stringify(payload)).not.toContain('Hello-World');
    },
  );

  it('reports a merge', () => {
    const payload = pullRequestEvent('closed', { ...pull, merged: true, mergeSha: 'c'.repeat(40) });
    expect(payload.pull_request).toMatchObject({
      merged: true,
      merge_commit_sha: 'c'.repeat(40),
      state: 'closed',
    });
    expect(payload.pull_request.merged_at).toBe(payload.pull_request.updated_at);
  });

  it('stamps updated_at later on every call unless told otherwise', () => {
    const stamps = Array.from(
      { length: 5 },
      () => pullRequestEvent('synchronize', pull).pull_request.updated_at,
    );
    expect(stamps.every((s, i) => i === 0 || s > (stamps[i - 1] as string))).toBe(true);
    expect(stamps.every((s) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(s))).toBe(true);
    const fixed = pullRequestEvent('synchronize', { ...pull, updatedAt: '2020-01-01T00:00:00Z' });
    expect(fixed.pull_request.updated_at).toBe('2020-01-01T00:00:00Z');
  });

  it('maps to a forge event: a push is an update with the given SHAs', () => {
    const payload = pullRequestEvent('synchronize', { ...pull, author: 'dev' });
    expect(mapGithubWebhook('pull_request', payload as MappedPayload)).toEqual({
      kind: 'pull_request.updated',
      pr: {
        repo: {
          forge: 'github',
          id: String(stableId('repo:acme/infra')),
          owner: 'acme',
          name: 'infra',
          fullName: 'acme/infra',
          auth: { installationId: 4242 },
        },
        number: 7,
      },
      reason: 'pushed',
      headSha: pull.headSha,
      baseSha: pull.baseSha,
      updatedAt: payload.pull_request.updated_at,
      draft: false,
      author: 'dev',
    });
  });
});

describe('issueCommentEvent', () => {
  it('is a comment on the pull request that passes the schema and maps to comment.created', () => {
    const payload = issueCommentEvent({
      ...repo,
      number: 7,
      body: 'sluice plan',
      author: 'dev',
      commentId: 55,
    });
    expect(() => assertWebhookPayload('issue_comment', payload)).not.toThrow();
    expect(payload).toMatchObject({
      action: 'created',
      issue: { number: 7, pull_request: { url: 'https://api.github.com/repos/acme/infra/pulls/7' } },
      comment: { id: 55, body: 'sluice plan', user: { login: 'dev', type: 'User' } },
      repository: { full_name: 'acme/infra' },
      installation: { id: 4242 },
    });
    expect(mapGithubWebhook('issue_comment', payload as MappedPayload)).toMatchObject({
      kind: 'comment.created',
      pr: { number: 7, repo: { fullName: 'acme/infra' } },
      commentId: '55',
      author: 'dev',
      body: 'sluice plan',
    });
  });

  it('marks a bot author, whose comments Sluice ignores', () => {
    const payload = issueCommentEvent({
      ...repo,
      number: 7,
      body: 'hi',
      author: 'other[bot]',
      authorType: 'Bot',
    });
    expect(payload.comment.user).toMatchObject({ login: 'other[bot]', type: 'Bot' });
    expect(mapGithubWebhook('issue_comment', payload as MappedPayload)).toBeUndefined();
  });
});

describe('pullRequestReviewEvent', () => {
  it.each([
    ['submitted', 'approved'],
    ['dismissed', 'dismissed'],
  ] as const)('%s carries the reviewer, commit and state %s', (action, state) => {
    const payload = pullRequestReviewEvent(action, {
      ...pull,
      reviewer: 'lead',
      state: 'approved',
      commitSha: pull.headSha,
    });
    expect(payload).toMatchObject({
      action,
      review: { user: { login: 'lead' }, state, commit_id: pull.headSha },
      pull_request: { number: 7, head: { sha: pull.headSha } },
      sender: { login: 'lead' },
    });
  });
});

describe('assertWebhookPayload', () => {
  it('rejects a payload GitHub would not send, saying where and why', () => {
    const payload = { ...pullRequestEvent('opened', pull), number: '7' };
    expect(() => assertWebhookPayload('pull_request', payload)).toThrow(/payload\/number must be integer/);
  });

  it('rejects an action GitHub does not document', () => {
    const payload = { ...pullRequestEvent('opened', pull), action: 'teleported' };
    expect(() => assertWebhookPayload('pull_request', payload)).toThrow(
      /no schema for pull_request\.teleported/,
    );
  });
});

describe('signDelivery', () => {
  const payload = pullRequestEvent('opened', pull);

  it('sends the exact JSON with GitHub headers and a signature the server verifies', () => {
    const { headers, body } = signDelivery('s3cret', 'pull_request', payload, { deliveryId: 'd-1' });
    expect(JSON.parse(body.toString('utf8'))).toEqual(payload);
    expect(headers).toMatchObject({
      'content-type': 'application/json',
      'x-github-event': 'pull_request',
      'x-github-delivery': 'd-1',
      'x-github-hook-installation-target-type': 'integration',
    });
    expect(headers['user-agent']).toMatch(/^GitHub-Hookshot\//);
    expect(headers['x-github-hook-id']).toMatch(/^\d+$/);
    expect(headers['x-github-hook-installation-target-id']).toMatch(/^\d+$/);
    expect(verifyGithubSignature('s3cret', body, headers['x-hub-signature-256'])).toBe(true);
    expect(verifyGithubSignature('other', body, headers['x-hub-signature-256'])).toBe(false);
  });

  it('sends a string body as-is and gives each delivery its own id', () => {
    const first = signDelivery('s3cret', 'pull_request', '{"action": "opened", ');
    const second = signDelivery('s3cret', 'pull_request', '{"action": "opened", ');
    expect(first.body.toString('utf8')).toBe('{"action": "opened", ');
    expect(verifyGithubSignature('s3cret', first.body, first.headers['x-hub-signature-256'])).toBe(true);
    expect(first.headers['x-github-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers['x-github-delivery']).not.toBe(second.headers['x-github-delivery']);
  });
});
