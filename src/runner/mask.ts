import type { ProcessOutcome } from './types.js';

/**
 * Replaces secrets in text before it reaches a comment, a log line or the store. A convenience, not a
 * boundary (docs/masking.md): code that can read a secret can always print it in a form no masker
 * knows (reversed, split, encrypted, or sent over the network).
 */
export interface Masker {
  mask(text: string): string;
}

export const MASK = '***';

/** Shapes of credentials worth hiding even when Sluice was not told the value. */
const TOKEN_PATTERNS: RegExp[] = [
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,
  /\bgithub_pat_[A-Za-z0-9_]{40,}\b/g,
  /\bglpat-[A-Za-z0-9_-]{20,}\b/g,
  /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /\bxox[abpres]-[A-Za-z0-9-]{10,}\b/g,
  // Slack incoming webhooks: the URL is the credential.
  /https:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]{20,}/g,
  // JSON Web Tokens: a base64url JSON header, a payload, and a signature.
  /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
  // Stripe, SendGrid, npm, PyPI tokens.
  /\b(?:sk|rk)_live_[A-Za-z0-9]{16,}\b/g,
  /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/g,
  /\bnpm_[A-Za-z0-9]{36}\b/g,
  /\bpypi-[A-Za-z0-9_-]{50,}/g,
];

/**
 * The password of a URL with credentials (`postgres://user:PASSWORD@host`), wherever it appears:
 * group 1 is what comes before it, the password itself is replaced.
 */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@'"`]*:)([^\s@/?#'"`]+)(?=@)/gi;

/** Pieces of a multi-line secret (PEM body lines) short enough to slip through on their own are not listed. */
const MIN_PIECE = 12;
/** Shorter needles would hide ordinary words; encoded fragments shorter than this are not listed. */
const MIN_NEEDLE = 4;
const MIN_ENCODED_FRAGMENT = 6;

/**
 * Builds a masker for secrets Sluice knows: each value as a whole and in its common encodings
 * ({@link secretForms}), each line of a multi-line value (a plan can print a key file line by line),
 * the password of a URL value, plus well-known token shapes and the password of any URL with
 * credentials.
 */
export function createMasker(secrets: readonly string[]): Masker {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    const values = [secret, ...passwordsIn(secret)];
    for (const line of secret.split(/\r?\n/)) {
      const piece = line.trim();
      if (piece.length >= MIN_PIECE) values.push(piece);
    }
    for (const value of values) for (const form of secretForms(value)) needles.add(form);
  }
  // Longest first, so a whole value is replaced before its pieces.
  const ordered = [...needles].filter((n) => n.length >= MIN_NEEDLE).sort((a, b) => b.length - a.length);
  return {
    mask(text) {
      let out = text;
      for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(MASK);
      for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, MASK);
      return out.replace(URL_PASSWORD, (_all, before: string) => `${before}${MASK}`);
    },
  };
}

/** A masker that hides what `masker` hides plus `values` (variables passed to a stage), whatever their names. */
export function withValues(masker: Masker, values: readonly string[]): Masker {
  const kept = values.filter((v) => v.length >= MIN_NEEDLE || passwordsIn(v).length > 0);
  if (kept.length === 0) return masker;
  const passed = createMasker(kept);
  return { mask: (text) => passed.mask(masker.mask(text)) };
}

/**
 * The forms of a secret a step could print: as is, JSON-escaped, URL-encoded (both ways of writing a
 * space), hex (lower and upper case), and base64 (standard and URL-safe, with and without padding,
 * plus the part of it that stays the same wherever the secret sits inside a longer base64 text).
 */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret, JSON.stringify(secret).slice(1, -1)]);
  forms.add(encodeURIComponent(secret));
  forms.add(encodeURIComponent(secret).replace(/%20/g, '+'));
  forms.add(bytes.toString('hex'));
  forms.add(bytes.toString('hex').toUpperCase());
  const padded = bytes.toString('base64');
  forms.add(padded);
  forms.add(padded.replace(/=+$/, ''));
  forms.add(bytes.toString('base64url'));
  forms.add(toUrlSafe(padded));
  for (const fragment of base64Fragments(bytes)) {
    if (fragment.length < MIN_ENCODED_FRAGMENT) continue;
    forms.add(fragment);
    forms.add(toUrlSafe(fragment));
  }
  return [...forms].filter(Boolean);
}

/**
 * For each of the three byte offsets (mod 3) a secret can have inside longer data, the base64
 * characters that depend on the secret's bytes alone: the same in any base64 text that contains it.
 */
function base64Fragments(bytes: Buffer): string[] {
  const fragments: string[] = [];
  for (const offset of [0, 1, 2]) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes])
      .toString('base64')
      .replace(/=+$/, '');
    const start = Math.ceil((offset * 8) / 6);
    const end = Math.floor(((offset + bytes.length) * 8) / 6);
    if (end > start) fragments.push(encoded.slice(start, end));
  }
  return fragments;
}

function toUrlSafe(base64: string): string {
  return base64.replace(/\+/g, '-').replace(/\//g, '_');
}

/** The password of a URL value (`postgres://app:s3cret@db/app` → `s3cret`), decoded and as written. */
function passwordsIn(value: string): string[] {
  const found: string[] = [];
  for (const match of value.matchAll(URL_PASSWORD)) {
    const written = match[2] ?? '';
    if (written.length < MIN_NEEDLE) continue;
    found.push(written);
    try {
      const decoded = decodeURIComponent(written);
      if (decoded !== written) found.push(decoded);
    } catch {
      // Not valid percent-encoding: only the written form.
    }
  }
  return found;
}

/** A finished process's outcome with its output masked. */
export function maskOutcome(raw: ProcessOutcome, masker: Masker): ProcessOutcome {
  return {
    exitCode: raw.exitCode,
    stdout: masker.mask(raw.stdout),
    stderr: masker.mask(raw.stderr),
    durationMs: raw.durationMs,
    timedOut: raw.timedOut,
    cancelled: raw.cancelled,
  };
}
