import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve } from 'node:path';

/**
 * Reads a file of a checked-out PR on the server side (outside the sandbox), refusing anything that
 * resolves outside the checkout — a symlink in a PR must not make the server read its own secrets.
 */
export function readCheckoutFile(root: string, path: string, maxBytes = 1024 * 1024): string | undefined {
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(resolve(root, path));
    const rel = relative(realRoot, real);
    if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
    const buffer = readFileSync(real);
    return buffer.length > maxBytes ? undefined : buffer.toString('utf8');
  } catch {
    return undefined;
  }
}
