import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The manifest GitHub's App manifest flow takes (the fields Sluice sets; app.yml may add more). */
export interface AppManifest {
  name: string;
  url: string;
  hook_attributes: { url: string; active?: boolean };
  redirect_url: string;
  [key: string]: unknown;
}

/**
 * `app.yml` as a manifest for this server: webhooks to `<baseUrl><webhookPath>`, GitHub sends the
 * browser back to `<baseUrl>/setup/callback`. Everything else (events, permissions) comes from the file.
 */
export function buildAppManifest(options: {
  appYml: string;
  baseUrl: string;
  webhookPath: string;
}): AppManifest {
  const file = (parse(options.appYml) ?? {}) as Record<string, unknown>;
  const base = options.baseUrl.replace(/\/+$/, '');
  const hook = (file.hook_attributes ?? {}) as Record<string, unknown>;
  return {
    ...file,
    name: typeof file.name === 'string' ? file.name : 'Sluice',
    url: typeof file.url === 'string' ? file.url : base,
    hook_attributes: { ...hook, url: `${base}${options.webhookPath}` },
    redirect_url: `${base}/setup/callback`,
  };
}

/** The repository's `app.yml`, from src/forge/github (tsx) or dist/src/forge/github (built). */
export function readAppYml(): string {
  const candidates = ['../../../app.yml', '../../../../app.yml'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  const path = candidates.find((candidate) => existsSync(candidate)) ?? (candidates[0] as string);
  return readFileSync(path, 'utf8');
}
