import { lstat, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFile } from '../read-regular-file.js';
import { makeFreshDir, makeServerDir, writeNewFile } from '../safe-write.js';
import type { Sandbox } from '../sandbox.js';
import type { ToolInfo } from '../tools.js';

/**
 * Providers are shared between jobs only through a read-only mirror that Sluice alone fills
 * (OpenTofu's `filesystem_mirror`, packed layout: the registry's own zip files). Each step gets a
 * private, writable plugin cache in its job's artifact folder, thrown away with the job, so nothing a
 * pull request writes there reaches another job.
 *
 * The mirror is filled by `tofu providers mirror` run by Sluice on a configuration Sluice writes,
 * listing the providers (address and exact version) of the project's `.terraform.lock.hcl`: no code or
 * file of the pull request takes part, and OpenTofu downloads each package from its origin registry,
 * checking its signed checksums. A lock file can only choose which packages are fetched, from where
 * their address says; a package for `evil.example/x/y` serves only configurations that ask for it.
 */

export interface LockedProvider {
  /** `registry.opentofu.org/hashicorp/aws`. */
  address: string;
  version: string;
}

const ADDRESS =
  /^([a-z0-9][a-z0-9.-]*(?::[0-9]+)?)\/([A-Za-z0-9][A-Za-z0-9_-]*)\/([A-Za-z0-9][A-Za-z0-9_-]*)$/;
/** The lock file a project keeps beside its configuration, and the most of it Sluice reads. */
export const LOCK_FILE = '.terraform.lock.hcl';
export const MAX_LOCK_FILE = 1024 * 1024;
const VERSION = /^[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?$/;

/** The providers a lock file pins, leaving out anything that is not a plain address and version. */
export function lockedProviders(lockFile: string): LockedProvider[] {
  const found: LockedProvider[] = [];
  for (const match of lockFile.matchAll(/^provider\s+"([^"]+)"\s*\{([\s\S]*?)^\}/gm)) {
    const address = match[1] ?? '';
    const version = /^\s*version\s*=\s*"([^"]+)"/m.exec(match[2] ?? '')?.[1] ?? '';
    if (ADDRESS.test(address) && VERSION.test(version)) found.push({ address, version });
  }
  return found;
}

/** OpenTofu's name for this machine's platform (`linux_amd64`). */
export function platform(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  return `${process.platform}_${arch}`;
}

/** Where the mirror keeps a provider's package (packed layout). */
export function packagePath(mirror: string, provider: LockedProvider, target = platform()): string {
  const [, host = '', namespace = '', type = ''] = ADDRESS.exec(provider.address) ?? [];
  return join(mirror, host, namespace, type, `terraform-provider-${type}_${provider.version}_${target}.zip`);
}

/**
 * The CLI configuration every step runs with (TF_CLI_CONFIG_FILE): the pull request's own
 * `terraform.d/plugins` when it has one (OpenTofu's implied local mirror, kept), Sluice's shared
 * mirror, then the origin registries, except for the providers the mirror has in their locked
 * version (`mirrored`): OpenTofu asks every source, so those would otherwise need the network too.
 */
export function cliConfig(input: {
  mirror: string;
  localPlugins?: { path: string; providers: readonly string[] };
  mirrored?: readonly LockedProvider[];
}): string {
  const mirror = (path: string) => `  filesystem_mirror {\n    path = ${JSON.stringify(path)}\n  }\n`;
  // Providers a mirror holds are not asked of their registry: OpenTofu asks every source it may use.
  const excluded = [
    ...new Set([...(input.localPlugins?.providers ?? []), ...(input.mirrored ?? []).map((p) => p.address)]),
  ];
  const direct = excluded.length
    ? `  direct {\n    exclude = [${excluded.map((a) => JSON.stringify(a)).join(', ')}]\n  }\n`
    : '  direct {}\n';
  return `provider_installation {\n${input.localPlugins ? mirror(input.localPlugins.path) : ''}${mirror(input.mirror)}${direct}}\n`;
}

/** The lock file's providers whose locked version the mirror has for this platform. */
export async function mirroredProviders(
  lockFile: string | undefined,
  mirror: string,
): Promise<LockedProvider[]> {
  const found: LockedProvider[] = [];
  for (const provider of lockedProviders(lockFile ?? '')) {
    if (await lstat(packagePath(mirror, provider)).catch(() => undefined)) found.push(provider);
  }
  return found;
}

/**
 * The pull request's `terraform.d/plugins` folder in the project, if it has one, and the providers it
 * holds (`HOST/NAMESPACE/TYPE`, the first three levels of its layout).
 */
export async function localPluginsDir(
  projectDir: string,
): Promise<{ path: string; providers: string[] } | undefined> {
  const path = join(projectDir, 'terraform.d', 'plugins');
  const stat = await lstat(path).catch(() => undefined);
  if (!stat?.isDirectory()) return undefined;
  const folders = async (dir: string) =>
    (await readdir(dir, { withFileTypes: true }).catch(() => []))
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  const providers: string[] = [];
  for (const host of await folders(path)) {
    for (const namespace of await folders(join(path, host))) {
      for (const type of await folders(join(path, host, namespace)))
        providers.push(`${host}/${namespace}/${type}`);
    }
  }
  return { path, providers };
}

export interface FillInput {
  /** The project's lock file, as read from the checkout (read-inside.ts). */
  lockFile: string | undefined;
  mirror: string;
  /** A folder only the server writes, beside which the fill's own scratch folder is made. */
  near: string;
  tool: ToolInfo;
  sandbox: Sandbox;
  network?: boolean;
  timeoutMs: number;
  signal: AbortSignal;
}

export type FillOutcome =
  | { filled: LockedProvider[] }
  | { skipped: 'nothing missing' | 'no lock file' }
  | { failed: string };

/**
 * Adds to the mirror the locked providers it lacks for this platform. Best effort: when it cannot
 * (no network, an unknown registry), `init` downloads them into the job's private cache instead.
 */
export async function fillProviderMirror(input: FillInput): Promise<FillOutcome> {
  if (input.lockFile === undefined) return { skipped: 'no lock file' };
  const missing: LockedProvider[] = [];
  for (const provider of lockedProviders(input.lockFile)) {
    if (!(await lstat(packagePath(input.mirror, provider)).catch(() => undefined))) missing.push(provider);
  }
  if (missing.length === 0) return { skipped: 'nothing missing' };
  const scratch = await makeServerDir(input.near);
  try {
    const config = join(scratch, 'config');
    const out = join(scratch, 'out');
    await makeFreshDir(config);
    await makeFreshDir(out);
    await makeFreshDir(join(scratch, 'home'));
    const providers = missing
      .map(
        (p, i) => `    p${i} = {\n      source  = "${p.address}"\n      version = "= ${p.version}"\n    }\n`,
      )
      .join('');
    await writeNewFile(join(config, 'main.tf'), `terraform {\n  required_providers {\n${providers}  }\n}\n`);
    await writeNewFile(join(scratch, 'direct.tfrc'), 'provider_installation {\n  direct {}\n}\n');
    const toolDir = join(input.tool.path, '..');
    const result = await input.sandbox.run({
      argv: [input.tool.path, 'providers', 'mirror', `-platform=${platform()}`, out],
      cwd: config,
      writable: [scratch],
      readOnly: [toolDir],
      env: {
        PATH: `${toolDir}:/usr/bin:/bin`,
        HOME: join(scratch, 'home'),
        TMPDIR: '/tmp',
        TF_IN_AUTOMATION: '1',
        TF_INPUT: '0',
        CHECKPOINT_DISABLE: '1',
        TF_CLI_CONFIG_FILE: join(scratch, 'direct.tfrc'),
      },
      timeoutMs: input.timeoutMs,
      signal: input.signal,
      network: input.network,
    });
    if (result.exitCode !== 0)
      return { failed: (result.stderr || result.stdout).trim().split('\n').at(-1) ?? '' };
    const filled: LockedProvider[] = [];
    for (const provider of missing) {
      const made = packagePath(out, provider);
      const data = await readRegularFile(made, 1024 * 1024 * 1024);
      if (!data) continue;
      const target = packagePath(input.mirror, provider);
      await mkdir(join(target, '..'), { recursive: true, mode: 0o755 });
      // A new file beside the target, then renamed: readers never see half a package.
      const temp = `${target}.${process.pid}.${Date.now()}.part`;
      await writeNewFile(temp, data, 0o644);
      await rename(temp, target);
      filled.push(provider);
    }
    return { filled };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** The mirror's folder, made (by the server, never a step) when missing. */
export async function ensureMirror(mirror: string): Promise<void> {
  await mkdir(mirror, { recursive: true, mode: 0o755 });
  await readdir(mirror);
}
