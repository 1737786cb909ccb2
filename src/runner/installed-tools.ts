import { readdir } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import semver from 'semver';
import { findTerraformTool, identifyTool, PROVISIONED_BIN, type ToolInfo } from './tools.js';

/** Every OpenTofu/Terraform this server can run a project with (src/runner/resolve-tool.ts picks one). */
export interface InstalledTools {
  /** What a project without `tool` runs: the provisioned OpenTofu, else `tofu` or `terraform` on PATH. */
  default: ToolInfo;
  /** Every tool found, the default first, then OpenTofu before Terraform, newest first; each version once. */
  all: ToolInfo[];
  /** Binaries that were asked for but could not be used, for the startup log. */
  problems: string[];
}

/** Where scripts/install-tool.sh puts further versions: `tofu/<version>/tofu`, `terraform/<version>/terraform`. */
export const TOOLS_DIR = dirname(PROVISIONED_BIN);

export interface FindInstalledToolsOptions {
  /** Default: TOOLS_DIR. */
  toolsDir?: string;
  /** Absolute paths of further binaries (SLUICE_EXTRA_TOOLS). */
  extra?: readonly string[];
  /** Default: the process's PATH. */
  pathEnv?: string;
  /** Where the default OpenTofu is provisioned. Default: PROVISIONED_BIN. */
  provisionedBin?: string;
}

/**
 * Finds the default tool (findTerraformTool) plus every version under the tools directory and every
 * binary listed in `extra`. Each binary says itself what it is (`version`). Without any tool at all it
 * throws findTerraformTool's TOOL_NOT_FOUND.
 */
export async function findInstalledTools(options: FindInstalledToolsOptions = {}): Promise<InstalledTools> {
  const problems: string[] = [];
  const found: ToolInfo[] = [];
  const toolsDir = options.toolsDir ?? TOOLS_DIR;
  for (const name of ['tofu', 'terraform'] as const) {
    const versions = await readdir(join(toolsDir, name)).catch(() => [] as string[]);
    for (const version of versions) {
      const path = join(toolsDir, name, version, name);
      const tool = await identifyTool(path);
      if (tool) found.push(tool);
      else problems.push(`${path} is not a working ${name} binary`);
    }
  }
  for (const path of options.extra ?? []) {
    const tool = isAbsolute(path) ? await identifyTool(path) : undefined;
    if (tool) found.push(tool);
    else
      problems.push(`SLUICE_EXTRA_TOOLS: ${path} is not an OpenTofu or Terraform binary (by absolute path)`);
  }
  const fallback = [...found].sort(newestFirst).find((t) => t.name === 'tofu') ?? found[0];
  const defaultTool = await findTerraformTool(options.pathEnv, options.provisionedBin).catch(
    (error: unknown) => {
      if (fallback) return fallback;
      throw error;
    },
  );
  const all: ToolInfo[] = [];
  for (const tool of [
    defaultTool,
    ...found.sort((a, b) => b.name.localeCompare(a.name) || newestFirst(a, b)),
  ]) {
    if (!all.some((t) => t.name === tool.name && t.version === tool.version)) all.push(tool);
  }
  return { default: defaultTool, all, problems };
}

/** Orders tools by version, newest first (versions semver cannot read: as text). */
export function newestFirst(a: ToolInfo, b: ToolInfo): number {
  const [va, vb] = [semver.valid(a.version), semver.valid(b.version)];
  if (va && vb) return semver.rcompare(va, vb);
  return b.version.localeCompare(a.version);
}
