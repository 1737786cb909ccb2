import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/env.js';

const SIGNING = `whsec_${randomBytes(32).toString('base64')}`;
const GITHUB = { APP_ID: '12', PRIVATE_KEY: 'key', WEBHOOK_SECRET: 'gh-secret' };

describe('loadSettings: GitLab', () => {
  it('stays off until GITLAB_TOKEN and GITLAB_WEBHOOK_SECRET are set', () => {
    expect(loadSettings({}).gitlab).toBeUndefined();
  });

  it('defaults to gitlab.com and /api/gitlab/webhooks, and masks the token and secrets', () => {
    const s = loadSettings({ GITLAB_TOKEN: 'glpat-x', GITLAB_WEBHOOK_SECRET: 'gl-secret' });
    expect(s.gitlab).toEqual({
      url: 'https://gitlab.com',
      token: 'glpat-x',
      webhookSecret: 'gl-secret',
      webhookSigningToken: undefined,
      webhookPath: '/api/gitlab/webhooks',
    });
    expect(s.secrets).toEqual(expect.arrayContaining(['glpat-x', 'gl-secret']));
  });

  it('takes a self-managed URL (trailing slashes trimmed) and a signing token', () => {
    const s = loadSettings({
      GITLAB_URL: 'https://git.example.com/gitlab/',
      GITLAB_TOKEN: 'glpat-x',
      GITLAB_WEBHOOK_SECRET: 'gl-secret',
      GITLAB_WEBHOOK_SIGNING_TOKEN: SIGNING,
      GITLAB_WEBHOOK_PATH: '/hooks/gitlab',
    });
    expect(s.gitlab).toMatchObject({
      url: 'https://git.example.com/gitlab',
      webhookSigningToken: SIGNING,
      webhookPath: '/hooks/gitlab',
    });
    expect(s.secrets).toContain(SIGNING);
  });

  it('runs next to GitHub', () => {
    const s = loadSettings({ ...GITHUB, GITLAB_TOKEN: 'glpat-x', GITLAB_WEBHOOK_SECRET: 'gl-secret' });
    expect(s.github?.webhookPath).toBe('/api/github/webhooks');
    expect(s.gitlab?.webhookPath).toBe('/api/gitlab/webhooks');
  });

  it.each([
    [{ GITLAB_TOKEN: 'glpat-x' }, /GitLab is half configured/],
    [{ GITLAB_WEBHOOK_SECRET: 'gl-secret' }, /GitLab is half configured/],
    [{ GITLAB_URL: 'https://git.example.com' }, /GitLab is half configured/],
    [{ GITLAB_WEBHOOK_SIGNING_TOKEN: SIGNING }, /GitLab is half configured/],
    [
      { GITLAB_TOKEN: 'x', GITLAB_WEBHOOK_SECRET: 'y', GITLAB_WEBHOOK_SIGNING_TOKEN: 'secret' },
      /GITLAB_WEBHOOK_SIGNING_TOKEN/,
    ],
    [{ GITLAB_TOKEN: 'x', GITLAB_WEBHOOK_SECRET: 'y', GITLAB_URL: 'gitlab.example.com' }, /GITLAB_URL/],
    [
      {
        ...GITHUB,
        GITLAB_TOKEN: 'x',
        GITLAB_WEBHOOK_SECRET: 'y',
        GITLAB_WEBHOOK_PATH: '/api/github/webhooks',
      },
      /own path/,
    ],
  ])('refuses %o', (env, message) => {
    expect(() => loadSettings(env)).toThrow(message);
  });
});
