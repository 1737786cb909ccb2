import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyGithubSignature } from '../../../src/forge/github/verify-signature.js';

const secret = 's3cret';
const body = Buffer.from('{"hello":"wörld"}');
const sign = (b: Buffer, s = secret) => `sha256=${createHmac('sha256', s).update(b).digest('hex')}`;

describe('verifyGithubSignature', () => {
  it.each([
    ['valid signature', sign(body), body, true],
    ['missing header', undefined, body, false],
    ['sha1 scheme only', `sha1=${createHmac('sha1', secret).update(body).digest('hex')}`, body, false],
    ['other secret', sign(body, 'other'), body, false],
    ['tampered body', sign(body), Buffer.from('{"hello":"world"}'), false],
    ['truncated hex', sign(body).slice(0, 40), body, false],
    ['not hex', 'sha256=zzzz', body, false],
    ['empty body signed', sign(Buffer.alloc(0)), Buffer.alloc(0), true],
    [
      'invalid UTF-8 bytes are signed as bytes',
      sign(Buffer.from([0xff, 0xfe, 0x7b])),
      Buffer.from([0xff, 0xfe, 0x7b]),
      true,
    ],
    ['uppercase hex', sign(body).toUpperCase().replace('SHA256=', 'sha256='), body, true],
  ])('%s', (_name, header, payload, expected) => {
    expect(verifyGithubSignature(secret, payload as Buffer, header as string | undefined)).toBe(expected);
  });
});
