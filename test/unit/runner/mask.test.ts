import { describe, expect, it } from 'vitest';
import { createMasker } from '../../../src/runner/mask.js';

const PEM = `-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAv1qk4v6gC8m2Yb0z7ZxW2N3cJQ9Y3hT1vE4p0a7Qe5u9s8r7
q6p5o4n3m2l1k0j9i8h7g6f5e4d3c2b1a0Z9Y8X7W6V5U4T3S2R1Q0P9O8N7M6L5
-----END RSA PRIVATE KEY-----
`;

describe('createMasker', () => {
  const masker = createMasker([PEM, 'whsec-0123456789']);

  it.each([
    ['the whole value', `key: ${PEM}`, ['MIIEowIBAAKCAQEAv1qk4v6gC8m2Yb0z7ZxW2N3cJQ9Y3hT1vE4p0a7Qe5u9s8r7']],
    [
      'one line of it, indented as a plan prints a heredoc',
      '      q6p5o4n3m2l1k0j9i8h7g6f5e4d3c2b1a0Z9Y8X7W6V5U4T3S2R1Q0P9O8N7M6L5\n',
      ['q6p5o4n3'],
    ],
    ['its JSON-escaped form', JSON.stringify({ value: PEM }), ['MIIEowIBAAKC']],
    ['a short secret', 'secret=whsec-0123456789;', ['whsec-0123456789']],
    [
      'a GitHub token it was never told',
      'token ghs_16C7e42F292c6912E7710c838347Ae178B4a here',
      ['ghs_16C7e42F'],
    ],
    ['a GitLab token', 'glpat-abcdefghijklmnopqrst', ['glpat-abcdefghij']],
    ['an AWS key id', 'AKIAIOSFODNN7EXAMPLE', ['AKIAIOSFODNN7EXAMPLE']],
    [
      'any other private key block',
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      ['b3BlbnNzaC1rZXkt'],
    ],
  ])('hides %s', (_name, input, hidden) => {
    const out = masker.mask(input);
    for (const h of hidden) expect(out).not.toContain(h);
    expect(out).toContain('***');
  });

  it('leaves ordinary plan output alone', () => {
    const text = 'Plan: 2 to add, 0 to change, 0 to destroy.\n  + input = "prod-0"\n';
    expect(masker.mask(text)).toBe(text);
  });
});
