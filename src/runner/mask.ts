import type { ProcessOutcome } from './types.js';

/** Replaces secrets in text before it reaches a comment, a log line or the store. */
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
  /\bxox[abpr]-[A-Za-z0-9-]{10,}\b/g,
];

/** Pieces of a multi-line secret (PEM body lines) short enough to slip through on their own are not listed. */
const MIN_PIECE = 12;

/**
 * Builds a masker for the server's secrets: each value as a whole, JSON-escaped, and each line of a
 * multi-line value (a plan can print a key file line by line), plus well-known token shapes.
 */
export function createMasker(secrets: readonly string[]): Masker {
  const needles = new Set<string>();
  for (const secret of secrets) {
    if (!secret) continue;
    needles.add(secret);
    needles.add(JSON.stringify(secret).slice(1, -1));
    for (const line of secret.split(/\r?\n/)) {
      const piece = line.trim();
      if (piece.length >= MIN_PIECE) needles.add(piece);
    }
  }
  // Longest first, so a whole value is replaced before its pieces.
  const ordered = [...needles].filter((n) => n.length >= 4).sort((a, b) => b.length - a.length);
  return {
    mask(text) {
      let out = text;
      for (const needle of ordered) if (out.includes(needle)) out = out.split(needle).join(MASK);
      for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, MASK);
      return out;
    },
  };
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
