import { describe, expect, it } from 'vitest';
import { kindMarker, parsePartNumber, partMarker, planMarker } from '../../../src/comments/markers.js';

const pr = { repo: { forge: 'github', id: '1', owner: 'o', name: 'r', fullName: 'o/r' }, number: 7 };

describe('markers', () => {
  it('has one plan marker per PR and numbered part markers', () => {
    expect(planMarker(pr)).toBe('<!-- sluice:plan -->');
    expect(partMarker(planMarker(pr), 2)).toBe('<!-- sluice:plan part=2 -->');
    expect(kindMarker('apply')).toBe('<!-- sluice:apply -->');
    expect(() => kindMarker('no spaces')).toThrow();
  });

  it.each([
    ['<!-- sluice:plan -->\n## 2 projects planned', 1],
    ['<!-- sluice:plan --><!-- sluice:plan part=3 -->\n**Part 3 of 3**', 3],
    ['<!-- sluice:plan part=12 -->', 12],
    ['a human comment', undefined],
    ['<!-- sluice:plan', undefined],
  ])('parsePartNumber(%j) = %s', (body, part) => {
    expect(parsePartNumber(body)).toBe(part);
  });
});
