import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { SluiceError } from '../errors.js';

/** Every environment variable Sluice reads. Documented in the README; keep the two in step. */
const EnvSchema = z.object({
  APP_ID: z.coerce.number().int().positive().optional(),
  PRIVATE_KEY: z.string().min(1).optional(),
  PRIVATE_KEY_PATH: z.string().min(1).optional(),
  WEBHOOK_SECRET: z.string().min(1).optional(),
  WEBHOOK_PATH: z.string().startsWith('/').default('/api/github/webhooks'),
  GHE_HOST: z.string().min(1).optional(),
  GHE_PROTOCOL: z.enum(['http', 'https']).default('https'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  REDIS_URL: z.string().url().optional(),
  SLUICE_DATA_DIR: z.string().default('.sluice'),
  SLUICE_REDIS_PREFIX: z.string().default('sluice'),
  SLUICE_SANDBOX: z.enum(['auto', 'bwrap', 'none']).default('auto'),
  SLUICE_SANDBOX_NETWORK: z.enum(['on', 'off']).default('on'),
  SLUICE_STEP_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(1800),
  SLUICE_PARALLEL_PLANS: z.coerce.number().int().positive().default(2),
  SLUICE_TEMPLATES_DIR: z.string().optional(),
  SLUICE_WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  SLUICE_PUBLIC_URL: z.string().url().optional(),
});

export interface GithubSettings {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  webhookPath: string;
  /** Undefined for github.com. */
  baseUrl?: string;
}

export interface Settings {
  host: string;
  port: number;
  logLevel: string;
  redisUrl?: string;
  redisPrefix: string;
  dataDir: string;
  sandbox: 'auto' | 'bwrap' | 'none';
  sandboxNetwork: boolean;
  stepTimeoutMs: number;
  parallelPlans: number;
  templatesDir?: string;
  webhookMaxBytes: number;
  publicUrl?: string;
  github?: GithubSettings;
  /** Values that must never appear in logs, comments or stored output. */
  secrets: string[];
  /** Files holding secrets, hidden from sandboxed steps. */
  secretFiles: string[];
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new SluiceError('SERVER_CONFIG_INVALID', `invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const privateKey = e.PRIVATE_KEY ?? (e.PRIVATE_KEY_PATH ? readKey(e.PRIVATE_KEY_PATH) : undefined);
  const githubParts = [e.APP_ID, privateKey, e.WEBHOOK_SECRET];
  let github: GithubSettings | undefined;
  if (githubParts.every((p) => p !== undefined)) {
    github = {
      appId: e.APP_ID as number,
      privateKey: (privateKey as string).replace(/\\n/g, '\n'),
      webhookSecret: e.WEBHOOK_SECRET as string,
      webhookPath: e.WEBHOOK_PATH,
      baseUrl: e.GHE_HOST ? `${e.GHE_PROTOCOL}://${e.GHE_HOST}/api/v3` : undefined,
    };
  } else if (githubParts.some((p) => p !== undefined)) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      'GitHub is half configured: set all of APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET, or none of them.',
    );
  }
  return {
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.SLUICE_REDIS_PREFIX,
    dataDir: resolve(e.SLUICE_DATA_DIR),
    sandbox: e.SLUICE_SANDBOX,
    sandboxNetwork: e.SLUICE_SANDBOX_NETWORK === 'on',
    stepTimeoutMs: e.SLUICE_STEP_TIMEOUT_SECONDS * 1000,
    parallelPlans: e.SLUICE_PARALLEL_PLANS,
    templatesDir: e.SLUICE_TEMPLATES_DIR ? resolve(e.SLUICE_TEMPLATES_DIR) : undefined,
    webhookMaxBytes: e.SLUICE_WEBHOOK_MAX_BYTES,
    publicUrl: e.SLUICE_PUBLIC_URL,
    github,
    secrets: [github?.privateKey, github?.webhookSecret].filter((s): s is string => Boolean(s)),
    secretFiles: e.PRIVATE_KEY_PATH ? [resolve(e.PRIVATE_KEY_PATH)] : [],
  };
}

function readKey(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      `PRIVATE_KEY_PATH ${path} cannot be read: ${(error as Error).message}`,
    );
  }
}
