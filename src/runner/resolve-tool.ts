import {
  parseToolVersion,
  satisfiesToolVersion,
  type ToolDistribution,
  type ToolRequest,
} from '../config/tool-version.js';
import { type InstalledTools, newestFirst } from './installed-tools.js';
import type { ToolInfo } from './tools.js';

export type ResolvedTool =
  | { ok: true; tool: ToolInfo }
  /** `asked`: what was asked for, in a few words (`OpenTofu ~> 1.9`), for a commit status. */
  | { ok: false; message: string; asked: string };

const BINARY: Record<ToolDistribution, ToolInfo['name']> = { opentofu: 'tofu', terraform: 'terraform' };
const DISTRIBUTION: Record<ToolInfo['name'], ToolDistribution> = { tofu: 'opentofu', terraform: 'terraform' };
export const TOOL_TITLE: Record<ToolInfo['name'], string> = { tofu: 'OpenTofu', terraform: 'Terraform' };

/**
 * The tool a project runs. No request: the server's default. A distribution alone (or a version alone,
 * meaning the default's distribution): the default when it is that distribution, else the newest of it.
 * A version or constraint: the newest installed version that meets it. Nothing installed meets it: a
 * message saying what was asked, what is installed, and how to install it. Pure.
 */
export function resolveTool(
  request: ToolRequest | undefined,
  installed: Pick<InstalledTools, 'default' | 'all'>,
): ResolvedTool {
  if (!request || (request.distribution === undefined && request.version === undefined)) {
    return { ok: true, tool: installed.default };
  }
  const distribution = request.distribution ?? DISTRIBUTION[installed.default.name];
  const name = BINARY[distribution];
  const wanted = request.version === undefined ? undefined : parseToolVersion(request.version);
  const ofName = installed.all.filter((t) => t.name === name);
  const tool = wanted
    ? ofName.filter((t) => satisfiesToolVersion(t.version, wanted)).sort(newestFirst)[0]
    : ofName[0];
  if (tool) return { ok: true, tool };
  const title = TOOL_TITLE[name];
  return {
    ok: false,
    message: notInstalledMessage(distribution, request.version, installed),
    asked: request.version === undefined ? title : `${title} ${request.version.trim()}`,
  };
}

/** The installed tool that made a saved plan: an apply must run exactly that version. */
export function toolOfPlan(
  made: { name: string; version: string },
  installed: Pick<InstalledTools, 'default' | 'all'>,
): ResolvedTool {
  const tool = installed.all.find((t) => t.name === made.name && t.version === made.version);
  if (tool) return { ok: true, tool };
  const title = TOOL_TITLE[made.name as ToolInfo['name']] ?? made.name;
  return {
    ok: false,
    asked: `${title} ${made.version}`,
    message: `Not applied: the plan was made with ${title} ${made.version}, which this Sluice server no longer has (installed: ${installedList(installed)}), and a plan applies only with the version that made it. Ask a Sluice admin to install ${title} ${made.version} again, or comment \`sluice plan\` to plan with what is installed.`,
  };
}

function notInstalledMessage(
  distribution: ToolDistribution,
  version: string | undefined,
  installed: Pick<InstalledTools, 'default' | 'all'>,
): string {
  const title = TOOL_TITLE[BINARY[distribution]];
  const asked = version === undefined ? title : `${title} \`${version.trim()}\``;
  const exact = version === undefined ? undefined : parseToolVersion(version)?.exact;
  const install = `scripts/install-tool.sh ${distribution} ${exact ?? '<version>'}`;
  return [
    `This project asks for ${asked}, which this Sluice server does not have.`,
    `Installed: ${installedList(installed)}.`,
    `Change the project's \`tool\` (atlantis.yaml: \`terraform_version\`, \`terraform_distribution\`) to one of those, or have a Sluice admin install it: \`${install}\`${exact ? '' : ' with a version that matches'} builds it into the server's tools directory, or list its binary in \`SLUICE_EXTRA_TOOLS\`; then restart Sluice.`,
  ].join('\n');
}

function installedList(installed: Pick<InstalledTools, 'default' | 'all'>): string {
  return installed.all
    .map(
      (t) =>
        `${TOOL_TITLE[t.name]} ${t.version}${t.name === installed.default.name && t.version === installed.default.version ? ' (default)' : ''}`,
    )
    .join(', ');
}
