import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How far `webhook-timestamp` may be from the server's clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

/**
 * Checks GitLab's `X-Gitlab-Token` (the webhook's secret token, sent as-is) in constant time.
 * Both sides are hashed first so neither the content nor the length of the secret leaks through timing.
 */
export function verifyGitlabToken(secret: string, header: string | undefined): boolean {
  if (header === undefined) return false;
  const given = createHash('sha256').update(header).digest();
  const expected = createHash('sha256').update(secret).digest();
  return timingSafeEqual(given, expected);
}

export interface SignatureHeaders {
  /** `webhook-id`: GitLab sets it to the delivery's Idempotency-Key. */
  id: string | undefined;
  /** `webhook-timestamp`: Unix seconds. */
  timestamp: string | undefined;
  /** `webhook-signature`: space-separated `v1,<base64 HMAC-SHA256>` entries. */
  signature: string | undefined;
}

export type SignatureCheck = 'valid' | 'missing' | 'invalid' | 'stale';

/**
 * The HMAC key of a signing token: GitLab issues `whsec_<base64 of 32 bytes>` (the Standard Webhooks
 * format), and the key is the decoded bytes, not the text.
 */
export function signingKey(signingToken: string): Buffer {
  return Buffer.from(signingToken.replace(/^whsec_/, ''), 'base64');
}

/**
 * Checks GitLab's HMAC signing (Standard Webhooks, https://www.standardwebhooks.com/; GitLab's
 * implementation: https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944): `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * over the exact bytes received, in constant time. A correct signature on a timestamp more than five
 * minutes from `nowSeconds` is `stale` (a replay, or a wrong clock); only authentic deliveries get that far.
 */
export function verifyGitlabSignature(
  signingToken: string,
  headers: SignatureHeaders,
  body: Buffer,
  nowSeconds: number = Date.now() / 1000,
): SignatureCheck {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) return 'missing';
  if (!/^\d{1,12}$/.test(timestamp)) return 'invalid';
  const expected = createHmac('sha256', signingKey(signingToken))
    .update(`${id}.${timestamp}.`)
    .update(body)
    .digest();
  const matches = signature
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .some((entry) => {
      const given = Buffer.from(entry.slice('v1,'.length), 'base64');
      return given.length === expected.length && timingSafeEqual(given, expected);
    });
  if (!matches) return 'invalid';
  return Math.abs(nowSeconds - Number(timestamp)) > SIGNATURE_TOLERANCE_SECONDS ? 'stale' : 'valid';
}
