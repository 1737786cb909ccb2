import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

/**
 * Reads a file that sandboxed code could have touched: refuses a symlink in its last component
 * (O_NOFOLLOW) and anything that is not a regular file, so a plan step cannot make the server read
 * its own secrets through a file it planted. Undefined when missing, refused or over `maxBytes`.
 */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer | undefined> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    const stat = await handle.stat();
    if (!stat.isFile() || stat.size > maxBytes) return undefined;
    return await handle.readFile();
  } catch {
    return undefined;
  } finally {
    await handle?.close();
  }
}
