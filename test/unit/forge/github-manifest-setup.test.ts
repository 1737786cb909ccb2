import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readAppYml } from '../../../src/forge/github/app-manifest.js';
import { manifestSetupRoute } from '../../../src/forge/github/manifest-setup-route.js';
import { type AppCredentials, saveAppCredentials } from '../../../src/forge/github/save-app-credentials.js';

const TOKEN = 'a'.repeat(32);

describe('GitHub App manifest flow on /setup', () => {
  let app: FastifyInstance;
  let saved: AppCredentials[];
  let requests: Array<{ url: string; method: string }>;
  let answer: { status: number; body: unknown };

  beforeEach(async () => {
    saved = [];
    requests = [];
    answer = {
      status: 201,
      body: {
        id: 4242,
        name: 'Sluice test',
        html_url: 'https://github.com/apps/sluice-test',
        pem: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n',
        webhook_secret: 'hook-secret',
        client_id: 'Iv1.x',
        client_secret: 'y',
      },
    };
    app = Fastify();
    await app.register(manifestSetupRoute, {
      token: TOKEN,
      appYml: readAppYml(),
      webhookPath: '/api/github/webhooks',
      publicUrl: 'https://sluice.example.org',
      githubUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
      save: async (credentials) => {
        saved.push(credentials);
        return '/data/github-app.env';
      },
      fetch: async (url, init) => {
        requests.push({ url: String(url), method: init?.method ?? 'GET' });
        return new Response(JSON.stringify(answer.body), { status: answer.status });
      },
    });
  });
  afterEach(() => app.close());

  const openSetup = async (query = `token=${TOKEN}`) => {
    const response = await app.inject({ url: `/setup?${query}` });
    const state = /settings\/apps\/new\?state=([0-9a-f]+)/.exec(response.body)?.[1];
    const manifest = /name="manifest" value="([^"]*)"/.exec(response.body)?.[1];
    const json = manifest
      ?.replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&');
    return { response, state, manifest: json ? JSON.parse(json) : undefined };
  };

  it('refuses /setup without the token from the log', async () => {
    expect((await app.inject({ url: '/setup' })).statusCode).toBe(403);
    expect((await app.inject({ url: '/setup?token=wrong' })).statusCode).toBe(403);
  });

  it('posts app.yml to GitHub with this server as webhook and callback', async () => {
    const { response, state, manifest } = await openSetup();
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('action="https://github.com/settings/apps/new?state=');
    expect(state).toMatch(/^[0-9a-f]{32}$/);
    expect(manifest).toMatchObject({
      name: 'Sluice',
      hook_attributes: { url: 'https://sluice.example.org/api/github/webhooks' },
      redirect_url: 'https://sluice.example.org/setup/callback',
      default_events: expect.arrayContaining(['pull_request', 'issue_comment']),
      default_permissions: expect.objectContaining({ contents: 'write', statuses: 'write' }),
    });
    expect(response.body).not.toContain('cannot reach');
  });

  it('registers in an organization when one is given, and refuses a bad name', async () => {
    const { response } = await openSetup(`token=${TOKEN}&org=acme-infra`);
    expect(response.body).toContain(
      'action="https://github.com/organizations/acme-infra/settings/apps/new?state=',
    );
    expect((await openSetup(`token=${TOKEN}&org=${encodeURIComponent('a/../b')}`)).response.statusCode).toBe(
      400,
    );
  });

  it('exchanges the code once, saves the credentials and links to the installation', async () => {
    const { state } = await openSetup();
    const response = await app.inject({ url: `/setup/callback?code=c0de&state=${state}` });
    expect(response.statusCode).toBe(201);
    expect(requests).toEqual([
      { url: 'https://api.github.com/app-manifests/c0de/conversions', method: 'POST' },
    ]);
    expect(saved).toEqual([
      {
        id: 4242,
        pem: '-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY-----\n',
        webhookSecret: 'hook-secret',
      },
    ]);
    expect(response.body).toContain('/data/github-app.env');
    expect(response.body).toContain('https://github.com/apps/sluice-test/installations/new');

    // The state is spent, and a second App is not created over the first.
    expect((await app.inject({ url: `/setup/callback?code=c0de&state=${state}` })).statusCode).toBe(400);
    expect((await openSetup()).response.statusCode).toBe(409);
  });

  it('refuses a callback it did not start, and reports a refused code', async () => {
    expect((await app.inject({ url: '/setup/callback?code=c0de&state=f00' })).statusCode).toBe(400);
    expect(requests).toEqual([]);

    answer = { status: 404, body: { message: 'Not Found' } };
    const { state } = await openSetup();
    const response = await app.inject({ url: `/setup/callback?code=old&state=${state}` });
    expect(response.statusCode).toBe(502);
    expect(response.body).toContain('GitHub answered 404');
    expect(saved).toEqual([]);
  });
});

describe('saveAppCredentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-app-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes an owner-only env file and key, and never overwrites them', async () => {
    const credentials = { id: 7, pem: 'PEM', webhookSecret: "s3cr3t'x" };
    const envPath = await saveAppCredentials(dir, credentials);
    expect(await readFile(envPath, 'utf8')).toContain(
      `APP_ID=7\nPRIVATE_KEY_PATH=${join(dir, 'github-app.pem')}\nWEBHOOK_SECRET='s3cr3t'\\''x'\n`,
    );
    expect(await readFile(join(dir, 'github-app.pem'), 'utf8')).toBe('PEM\n');
    expect((await stat(envPath)).mode & 0o777).toBe(0o600);
    await expect(saveAppCredentials(dir, credentials)).rejects.toThrow(/EEXIST/);
  });
});
