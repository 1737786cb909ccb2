import { describe, expect, it } from 'vitest';
import { createMasker, secretForms, withValues } from '../../src/runner/mask.js';
import { expectNoCanary, findCanary, makeCanary } from './support/canary.js';

describe('masking a known secret in its encodings', () => {
  const canary = makeCanary('db-pass');
  const masker = createMasker([canary.value]);
  const bytes = Buffer.from(canary.value, 'utf8');

  it.each(Object.entries(canary.forms))('hides the %s form', (_name, form) => {
    const out = masker.mask(`before ${form} after`);
    expect(out).toContain('***');
    expectNoCanary(out, canary);
  });

  it.each([0, 1, 2, 3, 4, 5])('hides it inside a longer base64 text, %i bytes in', (offset) => {
    const around = Buffer.concat([Buffer.from('x'.repeat(offset)), bytes, Buffer.from(' and more text')]);
    for (const encoded of [around.toString('base64'), around.toString('base64url')]) {
      const out = masker.mask(encoded);
      expect(out).toContain('***');
      expectNoCanary(out, canary);
    }
  });

  it('hides it in a URL, as a password', () => {
    const url = `postgres://app:${encodeURIComponent(canary.value)}@db.internal:5432/shop`;
    const out = createMasker([url]).mask(`connecting to ${url}`);
    expectNoCanary(out, canary);
    // The password alone, printed elsewhere, too.
    expectNoCanary(createMasker([url]).mask(`pw=${canary.value}`), canary);
  });

  it('lists the encodings it looks for', () => {
    const forms = secretForms('s3cret value');
    expect(forms).toEqual(
      expect.arrayContaining([
        's3cret value',
        's3cret%20value',
        's3cret+value',
        '7333637265742076616c7565',
        '7333637265742076616C7565',
        'czNjcmV0IHZhbHVl',
      ]),
    );
  });

  it('the canary helper notices each form (the assertion can fail)', () => {
    for (const form of Object.values(canary.forms)) expect(findCanary(`x ${form} y`, canary)).not.toEqual([]);
    expect(() => expectNoCanary(['fine', `oops ${canary.forms.hex}`], canary)).toThrow(/hex form in text #1/);
  });
});

describe('masking what nobody named', () => {
  const masker = createMasker([]);

  it.each([
    [
      'the password of any URL with credentials',
      'url: postgres://app:hunter2hunter2@db:5432/x',
      'hunter2hunter2',
    ],
    ['a password in a mysql URL', 'mysql://root:pa%24%24word@10.0.0.1/db', 'pa%24%24word'],
    [
      'a JWT',
      'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      'dozjgNryP4J3jVmNHl0w5N',
    ],
    [
      'a Slack webhook',
      'posting to https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX',
      'XXXXXXXXXXXXXXXXXXXXXXXX',
    ],
  ])('hides %s', (_name, text, secret) => {
    const out = masker.mask(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('***');
  });

  it('leaves URLs without a password alone', () => {
    const text = 'see https://example.com:8443/path?x=1 and git@github.com:acme/infra.git';
    expect(masker.mask(text)).toBe(text);
  });
});

describe('withValues', () => {
  it('masks every passed value whatever its name, on top of the server secrets', () => {
    const server = createMasker(['server-secret-value']);
    const masker = withValues(server, ['innocuous-looking', 'eu-west-1']);
    const out = masker.mask('server-secret-value innocuous-looking eu-west-1 kept');
    expect(out).toBe('*** *** *** kept');
  });
});
