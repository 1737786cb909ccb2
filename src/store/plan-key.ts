import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, openSync, readFileSync, writeSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SluiceError } from '../errors.js';
import { MIN_KEY_BYTES } from './seal.js';

/** Where the key that seals stored plans comes from (src/config/env.ts). */
export type PlanKeySource =
  | { kind: 'env'; value: string }
  | { kind: 'file'; path: string; value: string }
  | { kind: 'generated'; path: string };

export const GENERATED_PLAN_KEY_FILE = 'plan-key';

export interface PlanKey {
  /** The key's bytes, for createSealer. */
  bytes: Buffer;
  /** The key as configured, for the masker. */
  text: string;
  /** For the startup log: where the key came from (never the key). */
  origin: string;
}

/**
 * The plan key: SLUICE_PLAN_KEY or SLUICE_PLAN_KEY_FILE when given, else `<dataDir>/plan-key`,
 * created once (owner-only, never replaced) and shared by every process using that data directory.
 * A key file others may read is refused: whoever reads it can forge plans.
 */
export async function loadPlanKey(source: PlanKeySource): Promise<PlanKey> {
  if (source.kind === 'env') return checked(source.value, 'SLUICE_PLAN_KEY');
  if (source.kind === 'file') return checked(source.value, `SLUICE_PLAN_KEY_FILE ${source.path}`);
  await mkdir(join(source.path, '..'), { recursive: true, mode: 0o700 });
  const text = readOrCreate(source.path);
  return checked(text, source.path);
}

function readOrCreate(path: string): string {
  try {
    // O_EXCL: two processes starting together never overwrite each other's key.
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, `${randomBytes(MIN_KEY_BYTES).toString('hex')}\n`);
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw keyError(path, error);
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    throw keyError(path, error);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || (stat.mode & 0o077) !== 0) {
      throw new SluiceError(
        'SERVER_CONFIG_INVALID',
        `The plan key ${path} must be a regular file only its owner can read: run \`chmod 600 ${path}\`.`,
      );
    }
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function checked(raw: string, origin: string): PlanKey {
  const text = raw.trim();
  if (Buffer.byteLength(text) < MIN_KEY_BYTES) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      `The plan key from ${origin} is too short: use at least ${MIN_KEY_BYTES} random characters, e.g. \`openssl rand -hex 32\`.`,
    );
  }
  return { bytes: Buffer.from(text), text, origin };
}

function keyError(path: string, error: unknown): SluiceError {
  return new SluiceError(
    'SERVER_CONFIG_INVALID',
    `The plan key ${path} cannot be created or read: ${(error as Error).message}`,
  );
}
