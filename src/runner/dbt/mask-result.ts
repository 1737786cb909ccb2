import type { Masker } from '../mask.js';

/** A copy of `value` with every string (keys too) masked: a plan result holds text from many artifacts. */
export function maskDeep<T>(value: T, masker: Masker): T {
  return walk(value, masker) as T;
}

function walk(value: unknown, masker: Masker): unknown {
  if (typeof value === 'string') return masker.mask(value);
  if (Array.isArray(value)) return value.map((item) => walk(item, masker));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, item]) => [
        masker.mask(key),
        walk(item, masker),
      ]),
    );
  }
  return value;
}
