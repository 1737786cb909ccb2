import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance } from '../../../src/config/did-you-mean.js';

describe('editDistance', () => {
  it.each([
    ['', '', 0],
    ['a', '', 1],
    ['kitten', 'sitting', 3],
    ['projects', 'projcts', 1],
    ['dri', 'dir', 1],
  ])('%s → %s = %d', (a, b, d) => expect(editDistance(a, b)).toBe(d));
});

describe('didYouMean', () => {
  const keys = ['name', 'dir', 'workspace', 'autoplan'];
  it.each([
    ['dri', 'dir'],
    ['Dir', 'dir'],
    ['workspaces', 'workspace'],
    ['auto_plan', 'autoplan'],
    ['nam', 'name'],
    ['directory', undefined],
    ['x', undefined],
  ])('%s → %s', (input, expected) => expect(didYouMean(input, keys)).toBe(expected));
});
