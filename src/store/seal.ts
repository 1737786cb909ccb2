import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Seals stored records so that nothing but Sluice can write one Sluice will act on: an HMAC-SHA256,
 * with a server key the sandbox never sees (src/store/plan-key.ts), over what kind of record it is,
 * where it is stored (the key names forge, repository, PR, head commit, project and workspace) and a
 * hash of its content. A record copied to another key, changed, or written by someone without the key
 * fails `verify`. Pure apart from the key it closes over.
 */
export interface Sealer {
  seal(kind: string, key: string, content: readonly SealPart[]): string;
  /** Constant-time; false for a missing or malformed seal too. */
  verify(kind: string, key: string, content: readonly SealPart[], seal: string | undefined): boolean;
}

export type SealPart = string | Uint8Array | undefined;

const VERSION = 'v1';
/** Keys shorter than this are refused: an HMAC key is only as strong as its randomness. */
export const MIN_KEY_BYTES = 32;

export function createSealer(key: Uint8Array): Sealer {
  if (key.length < MIN_KEY_BYTES) {
    throw new Error(`the plan key must have at least ${MIN_KEY_BYTES} bytes`);
  }
  const mac = (kind: string, storedAt: string, content: readonly SealPart[]) =>
    createHmac('sha256', key)
      .update(encode(['sluice-seal', VERSION, kind, storedAt, contentHash(content)]))
      .digest();
  return {
    seal: (kind, storedAt, content) => `${VERSION}.${mac(kind, storedAt, content).toString('hex')}`,
    verify(kind, storedAt, content, seal) {
      const match = /^v1\.([0-9a-f]{64})$/.exec(seal ?? '');
      if (!match?.[1]) return false;
      return timingSafeEqual(Buffer.from(match[1], 'hex'), mac(kind, storedAt, content));
    },
  };
}

/**
 * SHA-256 (hex) over the parts, each length-prefixed so no two different lists hash alike; an absent
 * part differs from an empty one.
 */
export function contentHash(parts: readonly SealPart[]): string {
  return createHash('sha256').update(encode(parts)).digest('hex');
}

function encode(parts: readonly SealPart[]): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const bytes = part === undefined ? undefined : typeof part === 'string' ? Buffer.from(part) : part;
    const head = Buffer.alloc(9);
    head.writeUInt8(bytes === undefined ? 0 : 1, 0);
    head.writeBigUInt64BE(BigInt(bytes?.length ?? 0), 1);
    chunks.push(head);
    if (bytes) chunks.push(Buffer.from(bytes));
  }
  return Buffer.concat(chunks);
}

/** JSON with object keys sorted at every level, so a record hashes alike however it was built or read back. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}
