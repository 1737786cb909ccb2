import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** What GitHub returns once, when the manifest flow's code is exchanged. */
export interface AppCredentials {
  id: number;
  pem: string;
  webhookSecret: string;
}

export const APP_ENV_FILE = 'github-app.env';
export const APP_KEY_FILE = 'github-app.pem';

/**
 * Writes the App's private key and an env file (APP_ID, PRIVATE_KEY_PATH, WEBHOOK_SECRET) into the
 * data directory, readable by the owner only. Never overwrites: a second App is refused, not lost.
 * Returns the env file's path; `scripts/start.sh` loads it.
 */
export async function saveAppCredentials(dataDir: string, credentials: AppCredentials): Promise<string> {
  const envPath = join(dataDir, APP_ENV_FILE);
  const keyPath = join(dataDir, APP_KEY_FILE);
  const env = [
    '# Written by Sluice after creating its GitHub App from app.yml; scripts/start.sh loads it.',
    `APP_ID=${credentials.id}`,
    `PRIVATE_KEY_PATH=${shellQuote(keyPath)}`,
    `WEBHOOK_SECRET=${shellQuote(credentials.webhookSecret)}`,
    '',
  ].join('\n');
  await writeNew(keyPath, credentials.pem.endsWith('\n') ? credentials.pem : `${credentials.pem}\n`);
  await writeNew(envPath, env);
  return envPath;
}

async function writeNew(path: string, content: string): Promise<void> {
  const file = await open(path, 'wx', 0o600);
  try {
    await file.writeFile(content);
  } finally {
    await file.close();
  }
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
