import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { readRegularFile } from '../read-regular-file.js';

/**
 * A path under `root` once every symlink is resolved, or undefined when it is missing or resolves
 * outside. Sandboxed code can write under the checkout and the artifact dir, so a file the server
 * reads there could be a link to the server's own secrets.
 */
export async function resolveInside(root: string, path: string): Promise<string | undefined> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(resolve(root, path));
    const rel = relative(realRoot, real);
    return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)) ? real : undefined;
  } catch {
    return undefined;
  }
}

/** A regular file under `root` (see resolveInside), as text; undefined when missing, outside or too big. */
export async function readTextInside(
  root: string,
  path: string,
  maxBytes: number,
): Promise<string | undefined> {
  const real = await resolveInside(root, path);
  if (!real) return undefined;
  return (await readRegularFile(real, maxBytes))?.toString('utf8');
}
