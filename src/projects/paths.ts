import { posix } from 'node:path';

/**
 * A repo-relative POSIX path in the one form Sluice compares: no leading "./", no trailing "/", no "."
 * or ".." segments, "." for the root. Undefined for absolute paths and paths that leave the repo.
 */
export function normalizeRepoPath(path: string): string | undefined {
  if (path === '' || path.startsWith('/')) return undefined;
  const normal = posix.normalize(path).replace(/\/+$/, '');
  if (normal === '' || normal === '.') return '.';
  if (normal === '..' || normal.startsWith('../')) return undefined;
  return normal.startsWith('./') ? normal.slice(2) : normal;
}

/** The directory holding a normalised file path ("." for files at the root). */
export function dirOf(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? '.' : path.slice(0, slash);
}

/** Resolves `relative` (e.g. "../modules/x") against the repo directory `from`; undefined if it leaves the repo. */
export function resolveFrom(from: string, relative: string): string | undefined {
  if (relative.startsWith('/')) return undefined;
  return normalizeRepoPath(posix.join(from, relative));
}
