import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { SluiceError } from '../errors.js';

/**
 * Writes the server makes next to what sandboxed code could touch. Sandboxed steps (and the pull
 * request's own commit: git keeps symlinks) can leave a link where the server is about to write, so
 * that a plain `writeFile` would overwrite whatever the link points at (the store, the App's key).
 * Every such write goes through here: new files only (O_CREAT | O_EXCL | O_NOFOLLOW), into
 * directories the server has just made (`mkdir` that refuses an existing path) or checked with
 * `lstat`. What a sandbox writes is read back with read-regular-file.ts, never written in place.
 */

const WRITE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** The error a refused write raises: what was there, and what the user can do. */
export function unsafeWrite(path: string, what: string): SluiceError {
  return new SluiceError(
    'UNSAFE_WRITE_REFUSED',
    `Sluice did not write \`${basename(path)}\`: ${what}. A step or the commit put something where Sluice writes its own files; nothing was written through it. Remove it from the commit or the workflow and plan again.`,
  );
}

/** Creates a file that does not exist yet; refuses an existing file, a link or a folder at `path`. */
export async function writeNewFile(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, WRITE_NEW, mode);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP') throw unsafeWrite(path, `something is already at ${path}`);
    if (code === 'ENOTDIR' || code === 'ENOENT')
      throw unsafeWrite(path, `its folder ${dirname(path)} is not a folder Sluice made`);
    throw error;
  }
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `name` in `dir`, a folder only the server writes ({@link makeServerDir}): a new file under a
 * random name, then renamed over the old one (a rename replaces the entry, it never follows it).
 */
export async function replaceFile(dir: string, name: string, data: string | Uint8Array): Promise<void> {
  const temp = join(dir, `.${name}.${randomBytes(6).toString('hex')}`);
  await writeNewFile(temp, data);
  try {
    await rename(temp, join(dir, name));
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

/** Makes a folder that did not exist (never one a link or an earlier step left there). */
export async function makeFreshDir(path: string, mode = 0o700): Promise<void> {
  await assertRealDir(dirname(path));
  try {
    await mkdir(path, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw unsafeWrite(path, `something is already at ${path}`);
    throw error;
  }
}

/**
 * A new folder beside `near` (not inside it) that only the server writes: where the server keeps
 * what steps may read but must not change (the saved plan's JSON, profiles, production's state). Its
 * parent must be a folder sandboxed steps cannot write.
 */
export async function makeServerDir(near: string): Promise<string> {
  await assertRealDir(dirname(near));
  return mkdtemp(`${near}.sluice-`);
}

/** Refuses a path that is a link or not a folder. */
export async function assertRealDir(path: string): Promise<void> {
  const stat = await lstat(path).catch(() => undefined);
  if (!stat) throw unsafeWrite(path, `the folder ${path} is missing`);
  if (stat.isSymbolicLink() || !stat.isDirectory()) throw unsafeWrite(path, `${path} is not a plain folder`);
}
