import { execFile } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SluiceError } from '../errors.js';

const run = promisify(execFile);

export interface ToolInfo {
  name: 'tofu' | 'terraform';
  /** Absolute path of the binary. */
  path: string;
  version: string;
}

/** Where scripts/provision.sh puts the pinned tools. */
export const PROVISIONED_BIN = fileURLToPath(new URL('../../.tools/bin', import.meta.url));

/**
 * Finds OpenTofu (preferred) or Terraform: the provisioned one first, then PATH.
 * Its version is read once, without the caller's CLI configuration.
 */
export async function findTerraformTool(
  pathEnv = process.env.PATH ?? '',
  provisionedBin = PROVISIONED_BIN,
): Promise<ToolInfo> {
  const dirs = [provisionedBin, ...pathEnv.split(delimiter).filter(Boolean)];
  for (const name of ['tofu', 'terraform'] as const) {
    for (const dir of dirs) {
      const path = join(dir, name);
      if (!(await isExecutable(path))) continue;
      return { name, path, version: await readVersion(path) };
    }
  }
  throw new SluiceError(
    'TOOL_NOT_FOUND',
    'neither tofu nor terraform was found: run scripts/provision.sh (installs OpenTofu into .tools/bin) or put one on PATH.',
  );
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function readVersion(path: string): Promise<string> {
  const { stdout } = await run(path, ['version', '-json'], {
    env: { PATH: '/usr/bin:/bin', CHECKPOINT_DISABLE: '1', HOME: '/nonexistent' },
    timeout: 30_000,
  });
  const parsed = JSON.parse(stdout) as { terraform_version?: string };
  if (!parsed.terraform_version)
    throw new SluiceError('TOOL_NOT_FOUND', `${path} did not report its version`);
  return parsed.terraform_version;
}

const DISTRIBUTION_LINE = /^(OpenTofu|Terraform) v(\S+)/m;

/**
 * What a binary is, from its own `version` output (`OpenTofu v1.11.6`, `Terraform v1.5.7`): for
 * binaries listed by path, whose file name need not say. Undefined when it is neither.
 */
export async function identifyTool(path: string): Promise<ToolInfo | undefined> {
  if (!(await isExecutable(path))) return undefined;
  const output = await run(path, ['version'], {
    env: { PATH: '/usr/bin:/bin', CHECKPOINT_DISABLE: '1', HOME: '/nonexistent' },
    timeout: 30_000,
  }).then(
    ({ stdout }) => stdout,
    () => '',
  );
  const match = DISTRIBUTION_LINE.exec(output);
  if (!match) return undefined;
  return { name: match[1] === 'OpenTofu' ? 'tofu' : 'terraform', path, version: match[2] as string };
}
