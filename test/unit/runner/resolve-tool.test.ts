import { describe, expect, it } from 'vitest';
import type { ToolRequest } from '../../../src/config/tool-version.js';
import type { InstalledTools } from '../../../src/runner/installed-tools.js';
import { resolveTool, toolOfPlan } from '../../../src/runner/resolve-tool.js';
import type { ToolInfo } from '../../../src/runner/tools.js';

const tofu = (version: string): ToolInfo => ({ name: 'tofu', path: `/tools/tofu/${version}/tofu`, version });
const terraform = (version: string): ToolInfo => ({
  name: 'terraform',
  path: `/tools/terraform/${version}/terraform`,
  version,
});

/** The provisioned OpenTofu is the default; the others are in the tools directory. As findInstalledTools orders them. */
const INSTALLED: InstalledTools = {
  default: tofu('1.12.6'),
  all: [tofu('1.12.6'), tofu('1.11.6'), tofu('1.10.10'), terraform('1.5.7')],
  problems: [],
};

/** [what the project asks for, the version it runs] */
const resolved: Array<[string, ToolRequest | undefined, string]> = [
  ['no `tool`: the default', undefined, 'tofu 1.12.6'],
  ['an empty `tool`: the default', {}, 'tofu 1.12.6'],
  ['an exact version', { version: '1.11.6' }, 'tofu 1.11.6'],
  ['an exact version with a v', { version: 'v1.10.10' }, 'tofu 1.10.10'],
  ['the default distribution named', { distribution: 'opentofu' }, 'tofu 1.12.6'],
  ['another distribution: its newest', { distribution: 'terraform' }, 'terraform 1.5.7'],
  ['a constraint: the newest that meets it', { version: '>= 1.10, < 1.12' }, 'tofu 1.11.6'],
  ['a pessimistic constraint', { version: '~> 1.10.0' }, 'tofu 1.10.10'],
  ['a constraint the default meets: the newest that does', { version: '~> 1.10' }, 'tofu 1.12.6'],
  ['a distribution and a version', { distribution: 'terraform', version: '~> 1.5.0' }, 'terraform 1.5.7'],
];

describe('resolveTool', () => {
  it.each(resolved)('%s', (_, request, expected) => {
    const result = resolveTool(request, INSTALLED);
    expect(result.ok && `${result.tool.name} ${result.tool.version}`).toBe(expected);
  });

  it('names what was asked, what is installed and how to install an exact version', () => {
    expect(resolveTool({ version: '1.9.1' }, INSTALLED)).toEqual({
      ok: false,
      asked: 'OpenTofu 1.9.1',
      message: [
        'This project asks for OpenTofu `1.9.1`, which this Sluice server does not have.',
        'Installed: OpenTofu 1.12.6 (default), OpenTofu 1.11.6, OpenTofu 1.10.10, Terraform 1.5.7.',
        "Change the project's `tool` (atlantis.yaml: `terraform_version`, `terraform_distribution`) to one of those, or have a Sluice admin install it: `scripts/install-tool.sh opentofu 1.9.1` builds it into the server's tools directory, or list its binary in `SLUICE_EXTRA_TOOLS`; then restart Sluice.",
      ].join('\n'),
    });
  });

  it('for a constraint or a distribution alone, asks for a version that matches', () => {
    const constraint = resolveTool({ distribution: 'terraform', version: '>= 1.6' }, INSTALLED);
    expect(constraint).toMatchObject({ ok: false, asked: 'Terraform >= 1.6' });
    expect(!constraint.ok && constraint.message).toContain('This project asks for Terraform `>= 1.6`, which');
    expect(!constraint.ok && constraint.message).toContain(
      '`scripts/install-tool.sh terraform <version>` with a version that matches builds it',
    );
    const onlyTofu: InstalledTools = { default: tofu('1.12.6'), all: [tofu('1.12.6')], problems: [] };
    expect(resolveTool({ distribution: 'terraform' }, onlyTofu)).toMatchObject({
      ok: false,
      asked: 'Terraform',
      message: expect.stringContaining(
        'This project asks for Terraform, which this Sluice server does not have.',
      ),
    });
  });

  it('a version alone means the default distribution', () => {
    const terraformDefault: InstalledTools = {
      default: terraform('1.5.7'),
      all: [terraform('1.5.7'), tofu('1.5.7')],
      problems: [],
    };
    const result = resolveTool({ version: '1.5.7' }, terraformDefault);
    expect(result.ok && result.tool.path).toBe('/tools/terraform/1.5.7/terraform');
  });
});

describe('toolOfPlan', () => {
  it('applies with exactly the version that made the plan', () => {
    const result = toolOfPlan({ name: 'tofu', version: '1.11.6' }, INSTALLED);
    expect(result.ok && result.tool.path).toBe('/tools/tofu/1.11.6/tofu');
  });

  it('refuses when that version is gone, rather than apply with another', () => {
    expect(toolOfPlan({ name: 'tofu', version: '1.11.5' }, INSTALLED)).toEqual({
      ok: false,
      asked: 'OpenTofu 1.11.5',
      message:
        'Not applied: the plan was made with OpenTofu 1.11.5, which this Sluice server no longer has (installed: OpenTofu 1.12.6 (default), OpenTofu 1.11.6, OpenTofu 1.10.10, Terraform 1.5.7), and a plan applies only with the version that made it. Ask a Sluice admin to install OpenTofu 1.11.5 again, or comment `sluice plan` to plan with what is installed.',
    });
  });
});
