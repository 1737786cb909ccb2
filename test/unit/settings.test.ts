import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/env.js';

describe('loadSettings', () => {
  it('uses Probot-style defaults', () => {
    const s = loadSettings({});
    expect(s.port).toBe(3000);
    expect(s.github).toBeUndefined();
    expect(s.sandbox).toBe('bwrap');
  });

  it('reads the sandbox settings: `auto` is bwrap (no fallback), egress hosts and step limits', () => {
    expect(loadSettings({ SLUICE_SANDBOX: 'auto' }).sandbox).toBe('bwrap');
    expect(loadSettings({ SLUICE_SANDBOX: 'none' }).sandbox).toBe('none');
    const s = loadSettings({
      SLUICE_EGRESS_HOSTS: 'git.example.com:8443,*.corp.example.com',
      SLUICE_STEP_MEMORY_MB: '512',
      SLUICE_STEP_MAX_PROCESSES: '100',
      SLUICE_STEP_MAX_FILE_MB: '10',
    });
    expect(s.egressHosts).toEqual(['git.example.com:8443', '*.corp.example.com']);
    expect(s.stepLimits).toEqual({ memoryBytes: 512 * 1024 ** 2, processes: 100, fileBytes: 10 * 1024 ** 2 });
    expect(loadSettings({}).stepLimits).toEqual({
      memoryBytes: 8192 * 1024 ** 2,
      processes: 1024,
      fileBytes: 4096 * 1024 ** 2,
    });
    expect(() => loadSettings({ SLUICE_EGRESS_HOSTS: 'https://x.example.com/' })).toThrow(
      /SLUICE_EGRESS_HOSTS/,
    );
  });

  it('reads SLUICE_EXTRA_TOOLS as absolute paths, and refuses a relative one', () => {
    expect(loadSettings({}).extraTools).toEqual([]);
    expect(
      loadSettings({ SLUICE_EXTRA_TOOLS: '/opt/tofu-1.10/tofu:/usr/local/bin/terraform' }).extraTools,
    ).toEqual(['/opt/tofu-1.10/tofu', '/usr/local/bin/terraform']);
    expect(() => loadSettings({ SLUICE_EXTRA_TOOLS: '/opt/tofu:bin/terraform' })).toThrow(
      /SLUICE_EXTRA_TOOLS: a `:`-separated list of absolute paths of tofu\/terraform binaries/,
    );
  });

  it('builds the GitHub Enterprise API URL from GHE_HOST and GHE_PROTOCOL', () => {
    const s = loadSettings({
      APP_ID: '12',
      PRIVATE_KEY: 'k\\nk',
      WEBHOOK_SECRET: 'w',
      GHE_HOST: 'ghe.corp:8443',
    });
    expect(s.github).toMatchObject({
      appId: 12,
      baseUrl: 'https://ghe.corp:8443/api/v3',
      webhookPath: '/api/github/webhooks',
    });
    expect(s.github?.privateKey).toBe('k\nk');
    expect(s.secrets).toEqual(['k\nk', 'w']);
  });

  it.each([
    [{ APP_ID: '12' }, /half configured/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ SLUICE_SANDBOX: 'docker' }, /SLUICE_SANDBOX/],
    [
      { APP_ID: '1', PRIVATE_KEY_PATH: '/nonexistent/key.pem', WEBHOOK_SECRET: 'x' },
      /PRIVATE_KEY_PATH \/nonexistent/,
    ],
  ])('rejects %o with a message naming the variable', (env, message) => {
    expect(() => loadSettings(env)).toThrow(message);
  });
});
