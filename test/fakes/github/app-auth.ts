import { generateKeyPairSync, type KeyObject, randomInt, verify } from 'node:crypto';

export interface AppKeys {
  appId: number;
  privateKeyPem: string;
  publicKey: KeyObject;
}

/** A fresh GitHub App identity: a random id and an RSA key pair, as GitHub hands out on app creation. */
export function createAppKeys(): AppKeys {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    appId: randomInt(100_000, 1_000_000),
    privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    publicKey,
  };
}

/** GitHub rejects app JWTs that live longer than ten minutes. */
const MAX_LIFETIME_SECONDS = 600;

function decodePart(part: string | undefined): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Checks an app JWT like GitHub does; returns what is wrong with it, or undefined when it is good. */
export function checkAppJwt(
  jwt: string,
  keys: AppKeys,
  nowSeconds = Math.floor(Date.now() / 1000),
): string | undefined {
  const parts = jwt.split('.');
  if (parts.length !== 3) return 'the app JWT is not three base64url parts';
  const [header, claims, signature] = [decodePart(parts[0]), decodePart(parts[1]), parts[2] ?? ''];
  if (!header || !claims) return 'the app JWT header or claims are not JSON';
  if (header.alg !== 'RS256') return `the app JWT is signed with ${String(header.alg)}, not RS256`;
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  if (!verify('RSA-SHA256', signed, keys.publicKey, Buffer.from(signature, 'base64url'))) {
    return "the app JWT signature does not verify with the app's public key";
  }
  if (String(claims.iss) !== String(keys.appId))
    return `the app JWT iss ${String(claims.iss)} is not the app id`;
  const { exp, iat } = claims;
  if (typeof exp !== 'number' || exp <= nowSeconds) return 'the app JWT has expired or has no exp';
  if (typeof iat !== 'number' || iat > nowSeconds + 60) return 'the app JWT iat is missing or in the future';
  if (exp - iat > MAX_LIFETIME_SECONDS) return 'the app JWT lives longer than 10 minutes';
  return undefined;
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** An installation access token in GitHub's format: `ghs_` and 36 alphanumerics. */
export function newInstallationToken(): string {
  return `ghs_${Array.from({ length: 36 }, () => TOKEN_ALPHABET[randomInt(TOKEN_ALPHABET.length)]).join('')}`;
}
