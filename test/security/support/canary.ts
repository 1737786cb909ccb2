import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';

/** A random secret no text contains by chance, and the forms a leak of it could take. */
export interface Canary {
  value: string;
  /** Each form by name: what a failure says was found. */
  forms: Record<string, string>;
}

/**
 * A fresh canary: `prefix` then random characters that survive every encoding differently (a space
 * and a slash so URL-encoding and base64's `+`/`/` differ from the raw text).
 */
export function makeCanary(prefix = 'canary'): Canary {
  const value = `${prefix}-${randomBytes(9).toString('base64url')} /+?${randomBytes(3).toString('hex')}`;
  return { value, forms: canaryForms(value) };
}

/** Raw, JSON-escaped, URL-encoded, hex, base64 (standard, URL-safe; padded and not). */
export function canaryForms(value: string): Record<string, string> {
  const bytes = Buffer.from(value, 'utf8');
  const base64 = bytes.toString('base64');
  return {
    raw: value,
    json: JSON.stringify(value).slice(1, -1),
    url: encodeURIComponent(value),
    form: encodeURIComponent(value).replace(/%20/g, '+'),
    hex: bytes.toString('hex'),
    HEX: bytes.toString('hex').toUpperCase(),
    base64,
    'base64 unpadded': base64.replace(/=+$/, ''),
    base64url: bytes.toString('base64url'),
    // What stays the same inside a longer base64 text, whatever the secret's offset in it.
    'base64 inside (offset 0)': inner(bytes, 0),
    'base64 inside (offset 1)': inner(bytes, 1),
    'base64 inside (offset 2)': inner(bytes, 2),
  };
}

function inner(bytes: Buffer, offset: number): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
  return encoded.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + bytes.length) * 8) / 6));
}

/** Which forms of the canary a text holds, with where: empty when none. */
export function findCanary(texts: string | readonly string[], canary: Canary): string[] {
  const list = typeof texts === 'string' ? [texts] : texts;
  const found: string[] = [];
  list.forEach((text, index) => {
    for (const [name, form] of Object.entries(canary.forms)) {
      const at = text.indexOf(form);
      if (at < 0) continue;
      const around = text.slice(Math.max(0, at - 40), at + form.length + 40).replace(/\n/g, '⏎');
      found.push(`${name} form in text #${index}: …${around}…`);
    }
  });
  return found;
}

/** Fails, listing every form found and where, when any text holds any form of the canary. */
export function expectNoCanary(texts: string | readonly string[], canary: Canary): void {
  const found = findCanary(texts, canary);
  expect(found, `the canary leaked:\n${found.join('\n')}`).toEqual([]);
}
