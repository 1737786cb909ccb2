import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signingKey,
  verifyGitlabSignature,
  verifyGitlabToken,
} from '../../../src/forge/gitlab/verify-token.js';

describe('verifyGitlabToken', () => {
  it.each([
    ['the secret', 's3cret-token', true],
    ['missing header', undefined, false],
    ['empty header', '', false],
    ['another secret', 'other-token', false],
    ['a prefix of the secret', 's3cret', false],
    ['the secret and more', 's3cret-token-and-more', false],
    ['different case', 'S3CRET-TOKEN', false],
  ])('%s', (_name, header, expected) => {
    expect(verifyGitlabToken('s3cret-token', header)).toBe(expected);
  });
});

describe('verifyGitlabSignature', () => {
  const token = `whsec_${randomBytes(32).toString('base64')}`;
  const body = Buffer.from('{"object_kind":"merge_request","title":"wörld"}');
  const now = 1_750_000_000;
  const sign = (id: string, ts: number, bytes: Buffer, key = signingKey(token)) =>
    `v1,${createHmac('sha256', key).update(`${id}.${ts}.`).update(bytes).digest('base64')}`;
  const headers = (signature: string | undefined, ts: number = now) => ({
    id: 'key-1' as string | undefined,
    timestamp: String(ts),
    signature,
  });

  it('accepts a signature over id.timestamp.body made with the decoded whsec_ key', () => {
    expect(verifyGitlabSignature(token, headers(sign('key-1', now, body)), body, now)).toBe('valid');
  });

  it('accepts any matching entry of a space-separated list and ignores other versions', () => {
    const list = `v1a,${randomBytes(32).toString('base64')} v1,${randomBytes(32).toString('base64')} ${sign('key-1', now, body)}`;
    expect(verifyGitlabSignature(token, headers(list), body, now)).toBe('valid');
  });

  it.each([
    ['no signature header', headers(undefined), 'missing'],
    ['no id header', { ...headers(sign('key-1', now, body)), id: undefined }, 'missing'],
    ['no timestamp', { id: 'key-1', timestamp: undefined, signature: sign('key-1', now, body) }, 'missing'],
    ['a signature for another id', headers(sign('key-2', now, body)), 'invalid'],
    ['a signature for another timestamp', headers(sign('key-1', now - 1, body)), 'invalid'],
    ['a tampered body', headers(sign('key-1', now, Buffer.from('{}'))), 'invalid'],
    ['the key used as text, not decoded', headers(sign('key-1', now, body, Buffer.from(token))), 'invalid'],
    ['a truncated signature', headers(sign('key-1', now, body).slice(0, 20)), 'invalid'],
    ['no version prefix', headers(sign('key-1', now, body).slice(3)), 'invalid'],
    ['a timestamp that is not a number', { id: 'key-1', timestamp: 'soon', signature: 'v1,xx' }, 'invalid'],
  ])('%s → %s', (_name, given, expected) => {
    expect(verifyGitlabSignature(token, given, body, now)).toBe(expected);
  });

  it('refuses authentic deliveries more than five minutes old or ahead', () => {
    const at = (ts: number) => verifyGitlabSignature(token, headers(sign('key-1', ts, body), ts), body, now);
    expect(at(now - SIGNATURE_TOLERANCE_SECONDS)).toBe('valid');
    expect(at(now + SIGNATURE_TOLERANCE_SECONDS)).toBe('valid');
    expect(at(now - SIGNATURE_TOLERANCE_SECONDS - 1)).toBe('stale');
    expect(at(now + SIGNATURE_TOLERANCE_SECONDS + 1)).toBe('stale');
  });

  it('reports a forged old delivery as invalid, not stale', () => {
    const old = now - 3600;
    expect(verifyGitlabSignature(token, headers(sign('key-1', old, Buffer.from('x')), old), body, now)).toBe(
      'invalid',
    );
  });
});
