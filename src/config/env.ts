import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { SluiceError } from '../errors.js';
import { GENERATED_PLAN_KEY_FILE, type PlanKeySource } from '../store/plan-key.js';
import { type ApplyRequirement, defaultRules, type RepoRules } from './rules.js';
import { createRulesSource } from './rules-source.js';
import { loadServerConfig, type ServerConfig } from './server-config.js';

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
  /** `sluice worker`'s own listener for /metrics, /healthz and /readyz (the server serves them on PORT). */
  SLUICE_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  REDIS_URL: z.string().url().optional(),
  SLUICE_DATA_DIR: z.string().default('.sluice'),
  SLUICE_REDIS_PREFIX: z.string().default('sluice'),
  /** The key that seals stored plans (docs/plan-integrity.md); else `<data dir>/plan-key`, made once. */
  SLUICE_PLAN_KEY: z
    .string()
    .min(32, 'must be at least 32 random characters, e.g. `openssl rand -hex 32`')
    .optional(),
  SLUICE_PLAN_KEY_FILE: z.string().min(1).optional(),
  /** `bwrap` (default; `auto` is its old name and no longer falls back) or `none`: unsandboxed, said on every comment. */
  SLUICE_SANDBOX: z.enum(['auto', 'bwrap', 'none']).default('bwrap'),
  /** `on`: steps reach allowed hosts through the egress proxy; never the host's network. */
  SLUICE_SANDBOX_NETWORK: z.enum(['on', 'off']).default('on'),
  /** Hosts networked steps may reach besides the defaults (registries), comma-separated. */
  SLUICE_EGRESS_HOSTS: z
    .string()
    .regex(
      /^([A-Za-z0-9*][A-Za-z0-9.*-]*(:\d{1,5})?)?(,[A-Za-z0-9*][A-Za-z0-9.*-]*(:\d{1,5})?)*$/,
      'a comma list of host names (`host`, `host:port` or `*.domain`)',
    )
    .optional(),
  SLUICE_STEP_MEMORY_MB: z.coerce.number().int().positive().default(8192),
  SLUICE_STEP_MAX_PROCESSES: z.coerce.number().int().positive().default(1024),
  SLUICE_STEP_MAX_FILE_MB: z.coerce.number().int().positive().default(4096),
  SLUICE_STEP_TIMEOUT_SECONDS: z.coerce.number().int().positive().default(1800),
  SLUICE_PARALLEL_PLANS: z.coerce.number().int().positive().default(2),
  SLUICE_TEMPLATES_DIR: z.string().optional(),
  SLUICE_WEBHOOK_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(25 * 1024 * 1024),
  /** How long a webhook's delivery id and signed body count as seen: a replay within it is a duplicate. */
  SLUICE_REPLAY_WINDOW_HOURS: z.coerce.number().int().positive().default(168),
  SLUICE_PUBLIC_URL: z.string().url().optional(),
  GITLAB_URL: z.string().url().default('https://gitlab.com'),
  GITLAB_TOKEN: z.string().min(1).optional(),
  GITLAB_WEBHOOK_SECRET: z.string().min(1).optional(),
  GITLAB_WEBHOOK_SIGNING_TOKEN: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{43}=$/, 'must be the whsec_… signing token GitLab shows for the webhook')
    .optional(),
  GITLAB_WEBHOOK_PATH: z.string().startsWith('/').default('/api/gitlab/webhooks'),
  SLUICE_APP_NAME: z.string().min(1).default('sluice'),
  SLUICE_APPLY_MODE: z.enum(['merge', 'comment']).default('merge'),
  SLUICE_APPLY_REQUIREMENTS: z
    .string()
    .regex(
      /^(|(approved|mergeable|undiverged)(,(approved|mergeable|undiverged))*)$/,
      'a comma list of approved, mergeable, undiverged',
    )
    .optional(),
  SLUICE_LOCK_MODE: z.enum(['plan', 'apply', 'off']).default('plan'),
  SLUICE_AUTOMERGE: z.enum(['true', 'false']).default('false'),
  SLUICE_ATLANTIS_ALIAS: z.enum(['on', 'off']).default('on'),
  SLUICE_RECONCILE_MINUTES: z.coerce.number().positive().default(10),
  /** The server config file (admin rules per repository); see docs/server-config.md. */
  SLUICE_CONFIG: z.string().min(1).optional(),
  SLUICE_JOB_LEASE_SECONDS: z.coerce.number().positive().default(60),
  /** An apply step that is stopped gets SIGINT, then SIGKILL after this many seconds (docs/faults.md). */
  SLUICE_APPLY_STOP_GRACE_SECONDS: z.coerce.number().positive().default(30),
  /** How long a retried apply waits for a state lock the interrupted attempt's tool may still release. */
  SLUICE_APPLY_RECOVERY_WAIT_SECONDS: z.coerce.number().min(0).default(60),
  SLUICE_GITHUB_THROTTLE: z.enum(['on', 'off']).default('on'),
  /** More OpenTofu/Terraform binaries projects may ask for (`tool`), by absolute path, `:`-separated. */
  SLUICE_EXTRA_TOOLS: z
    .string()
    .regex(/^(\/[^:]*)?(:\/[^:]*)*$/, 'a `:`-separated list of absolute paths of tofu/terraform binaries')
    .optional(),
});

export interface GithubSettings {
  appId: number;
  privateKey: string;
  webhookSecret: string;
  webhookPath: string;
  /** Undefined for github.com. */
  baseUrl?: string;
  /** Space GitHub writes out as GitHub asks of integrations (Octokit's throttling); off for a local fake. */
  throttle: boolean;
}

export interface GitlabSettings {
  /** The instance without /api/v4, e.g. https://gitlab.com. */
  url: string;
  /** Access token (`api` scope) Sluice acts with. */
  token: string;
  webhookSecret: string;
  /** `whsec_…`; when set, deliveries must carry a valid HMAC signature. */
  webhookSigningToken?: string;
  webhookPath: string;
}

export interface Settings {
  host: string;
  port: number;
  /** Where a worker-only process serves /metrics, /healthz and /readyz. */
  metricsPort: number;
  logLevel: string;
  redisUrl?: string;
  redisPrefix: string;
  dataDir: string;
  sandbox: 'bwrap' | 'none';
  sandboxNetwork: boolean;
  /** Hosts networked steps may reach besides DEFAULT_EGRESS_HOSTS. */
  egressHosts: string[];
  /** Per-step limits (prlimit inside the sandbox). */
  stepLimits: { memoryBytes: number; processes: number; fileBytes: number };
  stepTimeoutMs: number;
  parallelPlans: number;
  templatesDir?: string;
  webhookMaxBytes: number;
  /** How long a delivery id and a signed body count as seen (replays within it are duplicates). */
  replayWindowMs: number;
  publicUrl?: string;
  github?: GithubSettings;
  gitlab?: GitlabSettings;
  /** A dead worker's job is retried once its lease (renewed while it runs) has run out. */
  jobLeaseMs: number;
  applyStopGraceMs: number;
  applyRecoveryWaitMs: number;
  /** How often locks of PRs closed on the forge are looked for. */
  reconcileMs: number;
  /** The bot's name: `@<appName> plan` invokes it like `sluice plan`. */
  appName: string;
  /** Rules for every repository until the server config says otherwise. */
  defaultRules: RepoRules;
  /** The server config (SLUICE_CONFIG / --config), when one is given. */
  serverConfig?: ServerConfig;
  /** The rules for each repository: `defaultRules` under the server config's repo rules. */
  rules: ReturnType<typeof createRulesSource>;
  /** Values that must never appear in logs, comments or stored output. */
  secrets: string[];
  /** Files holding secrets, hidden from sandboxed steps. */
  secretFiles: string[];
  /** OpenTofu/Terraform binaries besides the default and the tools directory (src/runner/installed-tools.ts). */
  extraTools: string[];
  /** Where the key that seals stored plans comes from (src/store/plan-key.ts). */
  planKey: PlanKeySource;
}

export function loadSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new SluiceError('SERVER_CONFIG_INVALID', `invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const planKey = planKeySource(e);
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
      throttle: e.SLUICE_GITHUB_THROTTLE === 'on',
    };
  } else if (githubParts.some((p) => p !== undefined)) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      'GitHub is half configured: set all of APP_ID, PRIVATE_KEY (or PRIVATE_KEY_PATH) and WEBHOOK_SECRET, or none of them.',
    );
  }
  const gitlab = gitlabSettings(e, env.GITLAB_URL !== undefined);
  if (github && gitlab && github.webhookPath === gitlab.webhookPath) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      `WEBHOOK_PATH and GITLAB_WEBHOOK_PATH are both ${github.webhookPath}: give each forge its own path.`,
    );
  }
  const baseRules: RepoRules = {
    ...defaultRules(e.SLUICE_APPLY_MODE),
    ...(e.SLUICE_APPLY_REQUIREMENTS === undefined
      ? {}
      : {
          applyRequirements: e.SLUICE_APPLY_REQUIREMENTS.split(',').filter(Boolean) as ApplyRequirement[],
        }),
    lockMode: e.SLUICE_LOCK_MODE,
    automerge: e.SLUICE_AUTOMERGE === 'true',
    atlantisAlias: e.SLUICE_ATLANTIS_ALIAS === 'on',
  };
  const serverConfig = e.SLUICE_CONFIG ? loadServerConfig(resolve(e.SLUICE_CONFIG)) : undefined;
  const hosts: Record<string, string> = {
    github: e.GHE_HOST ? e.GHE_HOST.replace(/:\d+$/, '') : 'github.com',
    gitlab: new URL(e.GITLAB_URL).hostname,
  };
  return {
    host: e.HOST,
    port: e.PORT,
    metricsPort: e.SLUICE_METRICS_PORT,
    logLevel: e.LOG_LEVEL,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.SLUICE_REDIS_PREFIX,
    dataDir: resolve(e.SLUICE_DATA_DIR),
    sandbox: e.SLUICE_SANDBOX === 'none' ? 'none' : 'bwrap',
    sandboxNetwork: e.SLUICE_SANDBOX_NETWORK === 'on',
    egressHosts: (e.SLUICE_EGRESS_HOSTS ?? '').split(',').filter(Boolean),
    stepLimits: {
      memoryBytes: e.SLUICE_STEP_MEMORY_MB * 1024 ** 2,
      processes: e.SLUICE_STEP_MAX_PROCESSES,
      fileBytes: e.SLUICE_STEP_MAX_FILE_MB * 1024 ** 2,
    },
    stepTimeoutMs: e.SLUICE_STEP_TIMEOUT_SECONDS * 1000,
    parallelPlans: e.SLUICE_PARALLEL_PLANS,
    templatesDir: e.SLUICE_TEMPLATES_DIR ? resolve(e.SLUICE_TEMPLATES_DIR) : undefined,
    webhookMaxBytes: e.SLUICE_WEBHOOK_MAX_BYTES,
    replayWindowMs: e.SLUICE_REPLAY_WINDOW_HOURS * 3_600_000,
    publicUrl: e.SLUICE_PUBLIC_URL,
    appName: e.SLUICE_APP_NAME,
    reconcileMs: e.SLUICE_RECONCILE_MINUTES * 60_000,
    jobLeaseMs: e.SLUICE_JOB_LEASE_SECONDS * 1000,
    applyStopGraceMs: e.SLUICE_APPLY_STOP_GRACE_SECONDS * 1000,
    applyRecoveryWaitMs: e.SLUICE_APPLY_RECOVERY_WAIT_SECONDS * 1000,
    defaultRules: baseRules,
    serverConfig,
    rules: createRulesSource({
      base: baseRules,
      config: serverConfig,
      hostOf: (forge) => hosts[forge] ?? forge,
    }),
    github,
    gitlab,
    secrets: [
      github?.privateKey,
      github?.webhookSecret,
      gitlab?.token,
      gitlab?.webhookSecret,
      gitlab?.webhookSigningToken,
      planKey.kind === 'generated' ? undefined : planKey.value,
    ].filter((s): s is string => Boolean(s)),
    secretFiles: [
      ...(e.PRIVATE_KEY_PATH ? [resolve(e.PRIVATE_KEY_PATH)] : []),
      // A generated key lives in the data directory, which the sandbox hides whole.
      ...(planKey.kind === 'file' ? [planKey.path] : []),
    ],
    extraTools: (e.SLUICE_EXTRA_TOOLS ?? '').split(':').filter(Boolean),
    planKey,
  };
}

/** GitLab needs a token and a webhook secret; a URL or signing token without them is a mistake. */
function gitlabSettings(e: z.infer<typeof EnvSchema>, urlGiven: boolean): GitlabSettings | undefined {
  if (e.GITLAB_TOKEN && e.GITLAB_WEBHOOK_SECRET) {
    return {
      url: e.GITLAB_URL.replace(/\/+$/, ''),
      token: e.GITLAB_TOKEN,
      webhookSecret: e.GITLAB_WEBHOOK_SECRET,
      webhookSigningToken: e.GITLAB_WEBHOOK_SIGNING_TOKEN,
      webhookPath: e.GITLAB_WEBHOOK_PATH,
    };
  }
  if (e.GITLAB_TOKEN || e.GITLAB_WEBHOOK_SECRET || e.GITLAB_WEBHOOK_SIGNING_TOKEN || urlGiven) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      'GitLab is half configured: set both GITLAB_TOKEN and GITLAB_WEBHOOK_SECRET (GITLAB_URL and GITLAB_WEBHOOK_SIGNING_TOKEN are optional), or none of them.',
    );
  }
  return undefined;
}

function planKeySource(e: z.infer<typeof EnvSchema>): PlanKeySource {
  if (e.SLUICE_PLAN_KEY && e.SLUICE_PLAN_KEY_FILE) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      'SLUICE_PLAN_KEY and SLUICE_PLAN_KEY_FILE are both set: set one of them.',
    );
  }
  if (e.SLUICE_PLAN_KEY) return { kind: 'env', value: e.SLUICE_PLAN_KEY.trim() };
  if (e.SLUICE_PLAN_KEY_FILE) {
    const path = resolve(e.SLUICE_PLAN_KEY_FILE);
    return { kind: 'file', path, value: readKey(path, 'SLUICE_PLAN_KEY_FILE').trim() };
  }
  return { kind: 'generated', path: join(resolve(e.SLUICE_DATA_DIR), GENERATED_PLAN_KEY_FILE) };
}

function readKey(path: string, name = 'PRIVATE_KEY_PATH'): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SluiceError(
      'SERVER_CONFIG_INVALID',
      `${name} ${path} cannot be read: ${(error as Error).message}`,
    );
  }
}
