import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * A job attempt's own folder under `<data dir>/jobs` (checkout, artifacts). Unique per attempt, not
 * per job: a worker paused past its lease that wakes up and cleans up after itself must never remove
 * the folder of the attempt that took its job over.
 */
export function attemptWorkDir(dataDir: string, ...name: string[]): string {
  const safe = name.map((part) => part.replace(/[^A-Za-z0-9_-]/g, '_')).join('-');
  return join(dataDir, 'jobs', `${safe}-${randomBytes(4).toString('hex')}`);
}
