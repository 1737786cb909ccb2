import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FakeGitHub } from '../fakes/github/fake-github.js';
import type { FakeGitLab } from '../fakes/gitlab/fake-gitlab.js';
import type { Access } from '../support/forge-driver.js';
import { type ForgeName, type Harness, OWNER, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';

/** A root module keeping its state in the test's http backend, so applies really change state. */
const stack = (states: StateServer, name: string, resources: number) => `${states.backend(name)}
${Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}`;

const FORGES: ForgeName[] = ['github', 'gitlab'];

/**
 * Per describe block: a state server, a server config written to a temp file (SLUICE_CONFIG), and
 * Sluice on `forge` with each of `stacks` a root module of one resource keeping state there.
 */
function configHarness(
  forge: ForgeName,
  options: {
    serverConfig: string;
    /** Project dir → the name of its state on the state server. */
    stacks: Record<string, string>;
    files?: Record<string, string>;
    access: Record<string, Access>;
    /** Members of the team `sre` of the repository's owner (a GitHub team, a GitLab subgroup). */
    sre?: string[];
  },
) {
  const ctx = {} as { h: Harness<ForgeName>; states: StateServer; dir: string };
  beforeAll(async () => {
    ctx.states = await startStateServer();
    ctx.dir = await mkdtemp(join(tmpdir(), 'sluice-server-config-'));
    const configFile = join(ctx.dir, 'sluice-server.yaml');
    await writeFile(configFile, options.serverConfig);
    const stacks = Object.entries(options.stacks).map(([dir, name]) => [
      `${dir}/main.tf`,
      stack(ctx.states, name, 1),
    ]);
    ctx.h = await startHarness({
      forge,
      initialFiles: { 'README.md': '# infra\n', ...Object.fromEntries(stacks), ...options.files },
      env: {
        SLUICE_SANDBOX_NETWORK: 'on',
        SLUICE_EGRESS_HOSTS: new URL(ctx.states.url).host,
        SLUICE_CONFIG: configFile,
      },
    });
    for (const [user, access] of Object.entries(options.access)) ctx.h.forge.setAccess(user, access);
    for (const user of options.sre ?? []) {
      if (forge === 'github') (ctx.h.fake as FakeGitHub).setTeamMember(OWNER, 'sre', user);
      else (ctx.h.fake as FakeGitLab).setGroupAccess(`${OWNER}/sre`, user, 30);
    }
  });
  afterEach(() => ctx.h.forge.assertNoViolations());
  afterAll(async () => {
    await ctx.h?.close();
    await ctx.states?.close();
    if (ctx.dir) await rm(ctx.dir, { recursive: true, force: true });
  });
  return ctx;
}

/**
 * Two projects with explicit dirs, applied at the same time; `app` needs an approval to apply (an
 * override the server allows).
 */
const SLUICE_YAML = `version: 1
parallel_apply: true
projects:
  - name: app
    dir: app
    autoplan:
      when_modified: ["*.tf"]
    apply_requirements: [approved]
  - name: net
    dir: net
    autoplan:
      when_modified: ["*.tf"]
`;

/** The same projects in Atlantis's words. */
const ATLANTIS_YAML = `version: 3
parallel_apply: true
projects:
  - name: app
    dir: app
    autoplan:
      when_modified: ["*.tf"]
  - name: net
    dir: net
    autoplan:
      when_modified: ["*.tf"]
`;

/** The project headings of a plan comment (`### \`app\``), in order. */
const headings = (body: string) => [...body.matchAll(/^### `([^`]+)`/gm)].map((m) => m[1]);

describe.each(FORGES)('repo config under the server config on %s (merge mode)', (forge) => {
  const ctx = configHarness(forge, {
    serverConfig: `version: 1
repos:
  - id_regex: '.*'
    allowed: true
    apply_mode: merge
    apply_requirements: []
    lock_mode: 'off'
    allowed_overrides: [apply_requirements]
`,
    stacks: { app: 'app', net: 'net' },
    files: { 'sluice.yaml': SLUICE_YAML },
    access: { dev: 'write', reviewer: 'write' },
  });

  it('a key outside allowed_overrides is named with file:line:column, and nothing is planned', async () => {
    const { h, states } = ctx;
    const pr = await h.openPullRequest(1, {
      'sluice.yaml': `${SLUICE_YAML}lock_mode: apply\n`,
      'app/main.tf': stack(states, 'app', 2),
    });
    await h.planDone(pr.headSha);
    const body = h.planComments(1)[0]?.body ?? '';
    expect(body).toContain('could not read `sluice.yaml`');
    expect(body).toMatch(/`sluice\.yaml:13:1`.*`lock_mode`/);
    expect(body).toContain('nothing was planned');
    expect(headings(body)).toEqual([]);
    await h.closePullRequest(pr);
  });

  it('an atlantis.yaml (version 3) plans the same projects as the equivalent sluice.yaml', async () => {
    const { h, states } = ctx;
    const change = { 'app/main.tf': stack(states, 'app', 2), 'net/main.tf': stack(states, 'net', 2) };
    const native = await h.openPullRequest(2, change);
    expect(await h.planDone(native.headSha)).toMatchObject({ state: 'success' });
    const atlantis = await h.openPullRequest(3, {
      ...change,
      'sluice.yaml': null,
      'atlantis.yaml': ATLANTIS_YAML,
    });
    expect(await h.planDone(atlantis.headSha)).toMatchObject({ state: 'success' });
    const fromSluice = h.planComments(2)[0]?.body ?? '';
    const fromAtlantis = h.planComments(3)[0]?.body ?? '';
    expect(headings(fromSluice)).toEqual(['app', 'net']);
    expect(headings(fromAtlantis)).toEqual(headings(fromSluice));
    expect(fromAtlantis).toContain('2 projects planned: 4 to add');
    await h.closePullRequest(native);
    await h.closePullRequest(atlantis);
  });

  it('parallel_apply: an approved merge applies both independent projects', async () => {
    const { h, states } = ctx;
    const pr = await h.openPullRequest(5, {
      'app/main.tf': stack(states, 'app', 2),
      'net/main.tf': stack(states, 'net', 2),
    });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr, 'reviewer');
    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'success' });
    expect(states.serials('app')).toHaveLength(1);
    expect(states.serials('net')).toHaveLength(1);
    expect(states.overlaps).toBe(0);
    expect(h.applyComments(5)[0]).toContain('2 projects');
  });

  it('a PR that loosens apply_requirements in its own sluice.yaml is held to the default branch’s', async () => {
    const { h, states } = ctx;
    const written = states.serials('app').length;
    const pr = await h.openPullRequest(4, {
      'sluice.yaml': SLUICE_YAML.replace('apply_requirements: [approved]', 'apply_requirements: []'),
      'app/main.tf': stack(states, 'app', 3),
    });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    expect(headings(h.planComments(4)[0]?.body ?? '')).toEqual(['app']);
    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'failure' });
    expect(states.serials('app')).toHaveLength(written);
    expect(h.replies(4).join('\n')).toMatch(/merged without meeting its apply requirements/);
  });
});

describe.each(FORGES)('per-project apply permissions on %s (comment mode)', (forge) => {
  const ctx = configHarness(forge, {
    serverConfig: `version: 1
repos:
  - id_regex: '.*'
    allowed: true
    apply_mode: comment
    apply_requirements: []
    permissions:
      projects:
        - match: "prod/**"
          apply: { teams: [sre] }
`,
    stacks: { 'prod/app': 'prod', 'dev/app': 'dev' },
    access: { dev: 'write', alice: 'write' },
    sre: ['alice'],
  });

  it('prod/** applies only for sre; the same writer applies dev', async () => {
    const { h, states } = ctx;
    const pr = await h.openPullRequest(1, {
      'prod/app/main.tf': stack(states, 'prod', 2),
      'dev/app/main.tf': stack(states, 'dev', 2),
    });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });

    await h.comment(1, 'sluice apply -p prod/app', 'dev');
    await h.waitFor(() => h.replies(1).some((r) => r.includes('Sorry @dev')), { timeoutMs: 30_000 });
    expect(h.replies(1).join('\n')).toMatch(/sre/);
    expect(states.serials('prod')).toEqual([]);

    await h.comment(1, 'sluice apply -p dev/app', 'dev');
    await h.waitFor(() => states.serials('dev').length === 1, { timeoutMs: 90_000 });

    await h.comment(1, 'sluice apply -p prod/app', 'alice');
    await h.waitFor(() => states.serials('prod').length === 1, { timeoutMs: 90_000 });
    expect(h.replies(1).filter((r) => r.includes('Sorry'))).toHaveLength(1);
    await h.waitFor(() => h.applyComments(1).length > 0 && !h.applyComments(1)[0]?.includes('Applying'), {
      timeoutMs: 30_000,
    });
  });
});

/** `app` needs an approval to apply (an override the server allows); the release branch drops that. */
const STRICT_YAML = `version: 1
projects:
  - name: app
    dir: app
    apply_requirements: [approved]
`;

describe.each(FORGES)('rules from the default branch on %s (comment mode)', (forge) => {
  const ctx = configHarness(forge, {
    serverConfig: `version: 1
repos:
  - id_regex: '.*'
    allowed: true
    apply_mode: comment
    apply_requirements: []
    lock_mode: 'off'
    allowed_overrides: [apply_requirements]
`,
    stacks: { app: 'app' },
    files: { 'sluice.yaml': STRICT_YAML },
    access: { dev: 'write', reviewer: 'write' },
  });

  it('a PR into `release`, whose sluice.yaml drops `approved`, still needs the approval main asks for', async () => {
    const { h, states } = ctx;
    const looser = STRICT_YAML.replace('    apply_requirements: [approved]\n', '');
    await h.origin.commit('release', { 'sluice.yaml': looser }, { from: 'main' });
    const pr = await h.openPullRequest(1, { 'app/main.tf': stack(states, 'app', 2) }, { base: 'release' });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });

    await h.comment(1, 'sluice apply', 'dev');
    await h.waitFor(() => h.replies(1).some((r) => r.includes('cannot apply yet')), { timeoutMs: 30_000 });
    expect(h.replies(1).join('\n')).toMatch(/\*\*Approved\*\*: nobody but the author has approved this/);
    expect(states.serials('app')).toEqual([]);

    h.approve(pr, 'reviewer');
    await h.comment(1, 'sluice apply', 'dev');
    await h.waitFor(() => states.serials('app').length === 1, { timeoutMs: 90_000 });
  });
});
