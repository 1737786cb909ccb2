import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { buildAppManifest } from './app-manifest.js';
import type { AppCredentials } from './save-app-credentials.js';

export interface ManifestSetupOptions {
  /** Printed in the server log as part of the setup link; /setup refuses requests without it. */
  token: string;
  /** The text of app.yml: events and permissions. */
  appYml: string;
  webhookPath: string;
  /** The server's public URL (SLUICE_PUBLIC_URL); default: the URL the browser used. */
  publicUrl?: string;
  /** https://github.com, or a GitHub Enterprise Server's URL. */
  githubUrl: string;
  /** The REST API, e.g. https://api.github.com. */
  apiUrl: string;
  /** Stores what GitHub returns; resolves with where, to tell the person. */
  save: (credentials: AppCredentials) => Promise<string>;
  fetch?: typeof fetch;
}

/** GitHub's answer to the code exchange (POST /app-manifests/{code}/conversions), the fields Sluice uses. */
const ConversionSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  html_url: z.string().url(),
  pem: z.string().min(1),
  webhook_secret: z.string().min(1),
});

/** GitHub asks for the three steps within an hour. */
const STATE_TTL_MS = 60 * 60_000;
const ORG = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

/**
 * GitHub's App manifest flow, as Probot's setup mode does it, on Sluice's own server while no App is
 * configured. GET /setup?token=… shows a button that posts app.yml (with this server's webhook and
 * callback URLs) to GitHub; GitHub sends the browser back to GET /setup/callback?code=…&state=…, where
 * the code is exchanged for the App's id, key and webhook secret, which are saved for the next start.
 */
export const manifestSetupRoute: FastifyPluginAsync<ManifestSetupOptions> = async (app, options) => {
  const fetchFn = options.fetch ?? fetch;
  /** state → expiry: only someone who opened /setup with the token can complete the flow. */
  const states = new Map<string, number>();
  let created: string | undefined;

  app.get<{ Querystring: { token?: string; org?: string } }>('/setup', async (request, reply) => {
    if (!sameToken(request.query.token, options.token)) {
      return page(reply, 403, 'Setup link needed', [
        'Open the setup link the Sluice server printed in its log (it carries a one-time token).',
      ]);
    }
    if (created) return page(reply, 409, 'GitHub App already created', [savedText(created)]);
    const org = typeof request.query.org === 'string' ? request.query.org.trim() || undefined : undefined;
    if (org !== undefined && !ORG.test(org)) {
      return page(reply, 400, 'Not an organization name', [`${escapeHtml(org)} is not a GitHub login.`]);
    }
    const base = options.publicUrl ?? `${request.protocol}://${request.host}`;
    const manifest = buildAppManifest({
      appYml: options.appYml,
      baseUrl: base,
      webhookPath: options.webhookPath,
    });
    const state = randomBytes(16).toString('hex');
    const now = Date.now();
    for (const [key, expiry] of states) if (expiry < now) states.delete(key);
    states.set(state, now + STATE_TTL_MS);
    const owner = org ? `/organizations/${org}` : '';
    const action = `${options.githubUrl}${owner}/settings/apps/new?state=${state}`;
    const local = isLocal(manifest.hook_attributes.url);
    return page(reply, 200, 'Create the Sluice GitHub App', [
      `This registers a GitHub App from <code>app.yml</code> ${
        org ? `in the organization <b>${escapeHtml(org)}</b>` : 'on your personal account'
      }. GitHub asks you to confirm its name, creates it, and sends you back here; Sluice then saves its ID, private key and webhook secret in its data directory.`,
      `Webhooks will go to <code>${escapeHtml(manifest.hook_attributes.url)}</code>.${
        local
          ? ' <b>GitHub cannot reach that address.</b> Start Sluice with <code>SLUICE_PUBLIC_URL</code> set to a URL GitHub can reach (a tunnel will do), or change the webhook URL in the App’s settings afterwards.'
          : ''
      }`,
      `<form action="${escapeHtml(action)}" method="post"><input type="hidden" name="manifest" value="${escapeHtml(
        JSON.stringify(manifest),
      )}"><button type="submit">Create GitHub App on ${escapeHtml(options.githubUrl)}</button></form>`,
      `<form action="/setup" method="get">For an organization instead: <input type="hidden" name="token" value="${escapeHtml(
        options.token,
      )}"><input name="org" placeholder="organization" value="${escapeHtml(org ?? '')}"> <button type="submit">Use it</button></form>`,
      `<details><summary>Manifest</summary><pre>${escapeHtml(JSON.stringify(manifest, null, 2))}</pre></details>`,
    ]);
  });

  app.get<{ Querystring: { code?: string; state?: string } }>('/setup/callback', async (request, reply) => {
    const { code, state } = request.query;
    const expiry = typeof state === 'string' ? states.get(state) : undefined;
    if (typeof code !== 'string' || !code || expiry === undefined || expiry < Date.now()) {
      return page(reply, 400, 'Setup link expired', [
        'This callback does not match a setup started here in the last hour. Open the setup link from the server log again.',
      ]);
    }
    states.delete(state as string);
    if (created) return page(reply, 409, 'GitHub App already created', [savedText(created)]);
    const response = await fetchFn(
      `${options.apiUrl}/app-manifests/${encodeURIComponent(code)}/conversions`,
      {
        method: 'POST',
        headers: {
          accept: 'application/vnd.github+json',
          'user-agent': 'sluice',
          'x-github-api-version': '2022-11-28',
        },
      },
    );
    const parsed = ConversionSchema.safeParse(response.ok ? await response.json() : undefined);
    if (!parsed.success) {
      request.log.warn({ status: response.status }, 'GitHub refused the App manifest code');
      return page(reply, 502, 'GitHub did not hand over the App', [
        `GitHub answered ${response.status} to the code exchange. The code is valid for an hour and once only; start again from the setup link.`,
      ]);
    }
    const app = parsed.data;
    created = await options.save({ id: app.id, pem: app.pem, webhookSecret: app.webhook_secret });
    request.log.info({ appId: app.id, file: created }, 'GitHub App created; restart Sluice to use it');
    const install = `${app.html_url}/installations/new`;
    return page(reply, 201, `GitHub App ${escapeHtml(app.name)} created`, [
      savedText(created),
      `Then install it on the repositories Sluice should plan: <a href="${escapeHtml(install)}">${escapeHtml(install)}</a>.`,
    ]);
  });
};

function savedText(path: string): string {
  return `Its ID, private key and webhook secret are in <code>${escapeHtml(
    path,
  )}</code> (readable by you only). Restart Sluice: <code>npm start</code> loads that file; elsewhere, export its variables.`;
}

function page(reply: FastifyReply, status: number, title: string, paragraphs: string[]): FastifyReply {
  const body = paragraphs.map((p) => (p.startsWith('<form') || p.startsWith('<details') ? p : `<p>${p}</p>`));
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .send(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sluice · ${title}</title></head><body style="font-family:system-ui,sans-serif;max-width:44rem;margin:3rem auto;line-height:1.5"><h1>${title}</h1>${body.join('')}</body></html>`,
    );
}

function sameToken(given: unknown, expected: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host.endsWith('.localhost') || /^(127\.|0\.0\.0\.0$|\[::1?\]$)/.test(host);
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string,
  );
}
