import { readFileSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { findInstalledTools, TOOLS_DIR } from '../../src/runner/installed-tools.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';

/** The second OpenTofu scripts/provision.sh installs for these tests (read from it, so the two agree). */
const EXTRA = /^TOFU_EXTRA_VERSION=(\S+)$/m.exec(
  readFileSync(new URL('../../scripts/provision.sh', import.meta.url), 'utf8'),
)?.[1] as string;

/** A root module keeping its state in the test's http backend: the state records the version that wrote it. */
const stack = (states: StateServer, name: string, resources: number) => `${states.backend(name)}
${Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}`;

/** `pinned` runs the extra OpenTofu, `plain` the default, `missing` asks for one nobody installed. */
const SLUICE_YAML = `version: 1
projects:
  - dir: pinned
    tool:
      distribution: opentofu
      version: "${EXTRA}"
  - dir: plain
  - dir: missing
    tool:
      version: "~> 1.9.0"
`;

const writtenBy = (states: StateServer, name: string) =>
  (states.state(name) as { terraform_version?: string } | undefined)?.terraform_version;

/** A project's section of the plan comment: from its heading to the next one. */
const section = (body: string, dir: string) =>
  body.split(/^### /m).find((s) => s.startsWith(`\`${dir}\``)) ?? '';

describe('a project pinned to another OpenTofu version (GitHub, merge mode)', () => {
  const ctx = {} as { h: Harness; states: StateServer; defaultVersion: string };
  beforeAll(async () => {
    // Not a skip: without the second version this feature is untested, so say how to get it.
    await access(join(TOOLS_DIR, 'tofu', EXTRA, 'tofu')).catch(() => {
      throw new Error(
        `OpenTofu ${EXTRA} is not installed in .tools/tofu/${EXTRA}: run SLUICE_PROVISION_TOFU=1 scripts/provision.sh (or scripts/install-tool.sh opentofu ${EXTRA})`,
      );
    });
    const installed = await findInstalledTools();
    ctx.defaultVersion = installed.default.version;
    expect(installed.default.name).toBe('tofu');
    expect(ctx.defaultVersion).not.toBe(EXTRA);
    ctx.states = await startStateServer();
    ctx.h = await startHarness({
      initialFiles: {
        'README.md': '# infra\n',
        'sluice.yaml': SLUICE_YAML,
        ...Object.fromEntries(
          ['pinned', 'plain', 'missing'].map((d) => [`${d}/main.tf`, stack(ctx.states, d, 1)]),
        ),
      },
      env: { SLUICE_SANDBOX_NETWORK: 'on', SLUICE_EGRESS_HOSTS: new URL(ctx.states.url).host },
    });
    ctx.h.forge.setAccess('dev', 'write');
    ctx.h.forge.setAccess('reviewer', 'write');
  });
  afterEach(() => ctx.h.forge.assertNoViolations());
  afterAll(async () => {
    await ctx.h?.close();
    await ctx.states?.close();
  });

  it('plans each project with the version it asks for, fails the one not installed, and applies with the plan’s version', async () => {
    const { h, states, defaultVersion } = ctx;
    const pr = await h.openPullRequest(1, {
      'pinned/main.tf': stack(states, 'pinned', 2),
      'plain/main.tf': stack(states, 'plain', 2),
      'missing/main.tf': stack(states, 'missing', 2),
    });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'failure' });
    const body = h.planComments(1)[0]?.body ?? '';

    // The comment names both versions, and each planned project says which one planned it.
    expect(body).toContain(`OpenTofu ${defaultVersion}`);
    expect(body).toContain(`OpenTofu ${EXTRA}`);
    expect(section(body, 'pinned')).toContain(`_Planned with OpenTofu ${EXTRA}._`);
    expect(section(body, 'pinned')).toContain('2 to add');
    expect(section(body, 'plain')).toContain(`_Planned with OpenTofu ${defaultVersion}._`);

    // The project asking for a version the server does not have fails with what to do.
    const missing = section(body, 'missing');
    expect(missing).toContain('Plan failed at `tool`');
    expect(missing).toContain(
      'This project asks for OpenTofu `~> 1.9.0`, which this Sluice server does not have.',
    );
    expect(missing).toContain(`Installed: OpenTofu ${defaultVersion} (default), OpenTofu ${EXTRA}`);
    expect(missing).toContain('`scripts/install-tool.sh opentofu <version>` with a version that matches');
    const statuses = h.forge.latestStatuses(pr.headSha);
    expect(statuses.get('sluice/plan: missing')).toMatchObject({
      state: 'failure',
      description: 'OpenTofu ~> 1.9.0 is not installed',
    });
    expect(statuses.get('sluice/plan: pinned')).toMatchObject({ state: 'success' });

    // The apply runs each plan with the version that made it: the state says who wrote it.
    h.approve(pr, 'reviewer');
    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'success' });
    expect(h.applyComments(1).join('\n')).toContain('2 added, 0 changed, 0 destroyed');
    expect(writtenBy(states, 'pinned')).toBe(EXTRA);
    expect(writtenBy(states, 'plain')).toBe(defaultVersion);
    expect(states.state('missing')).toBeUndefined();
    expect(h.replies(1).join('\n')).toContain('`missing` had no successful plan');
  });
});
