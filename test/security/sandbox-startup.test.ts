import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';

const INITIAL = {
  'README.md': '# infra\n',
  'network/main.tf': 'resource "terraform_data" "a" {\n  input = "a"\n}\n',
};
const CHANGED = { 'network/main.tf': 'resource "terraform_data" "a" {\n  input = "b"\n}\n' };

/** A server config whose workflow runs a shell line before the plan: plan-time code execution, as a PR gets it. */
async function probeConfig(dir: string, script: string): Promise<string> {
  const file = join(dir, 'sluice-server.yaml');
  await writeFile(
    file,
    `version: 1
repos:
  - id_regex: '.*'
    allowed: true
    workflow: probe
workflows:
  probe:
    plan:
      steps:
        - init
        - run: [sh, -c, ${JSON.stringify(script)}]
        - plan
`,
  );
  return file;
}

describe('a server started with its working directory at / (no WorkingDirectory=, no WORKDIR)', () => {
  let h: Harness;
  let dir: string;
  const cwd = process.cwd();
  const canary = `canary-${randomBytes(12).toString('hex')}`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-sec-root-'));
    const keyDir = join(dir, 'keys');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(keyDir);
    await writeFile(join(keyDir, 'app.pem'), `${canary}\n`);
    const config = await probeConfig(
      dir,
      `echo "uid=$(id -u)"; cat ${join(keyDir, 'app.pem')} /proc/1/environ; env; echo probe-done; exit 3`,
    );
    process.chdir('/');
    process.env.SLUICE_TEST_CANARY = canary;
    h = await startHarness({
      initialFiles: INITIAL,
      workers: 1,
      env: { SLUICE_CONFIG: config, PRIVATE_KEY_PATH: join(keyDir, 'app.pem'), SLUICE_SANDBOX: 'auto' },
    });
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    process.chdir(cwd);
    delete process.env.SLUICE_TEST_CANARY;
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('still runs plans sandboxed (never unsandboxed) and the plan code reads no secret', async () => {
    expect(h.logs.join('')).toMatch(/"sandbox":"bwrap".*"msg":"sandbox ready"/);
    const ready = await fetch(`${h.sluice.url}/readyz`);
    expect(ready.status).toBe(200);
    const pr = await h.openPullRequest(1, CHANGED);
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'failure' });
    const body = h.planComments(1)[0]?.body ?? '';
    expect(body).toContain('uid=65534');
    expect(body).toContain('probe-done');
    expect(body).not.toContain(canary);
    expect(h.logs.join('')).not.toContain(canary);
  });
});

describe('a server whose bubblewrap cannot run (no user namespaces in the container)', () => {
  let h: Harness;
  let dir: string;
  const path = process.env.PATH;
  const CAUSE = 'bwrap: No permissions to creating new namespace';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-sec-nobwrap-'));
    // The `bwrap` on PATH fails as it does where unprivileged user namespaces are off.
    await writeFile(join(dir, 'bwrap'), `#!/bin/sh\necho '${CAUSE}' >&2\nexit 1\n`, { mode: 0o755 });
    process.env.PATH = `${dir}:${path}`;
    try {
      h = await startHarness({ initialFiles: INITIAL, workers: 1, env: { SLUICE_SANDBOX: 'auto' } });
    } finally {
      process.env.PATH = path;
    }
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts, logs the cause and the fix, and /readyz says not ready and why', async () => {
    const line = h.logs.find((l) => l.includes('sandbox unavailable')) ?? '';
    expect(line).toContain('"level":50');
    expect(line).toContain(CAUSE);
    expect(line).toContain('Install bubblewrap');
    const ready = await fetch(`${h.sluice.url}/readyz`);
    expect(ready.status).toBe(503);
    const answer = (await ready.json()) as { status: string; message: string };
    expect(answer.status).toBe('not ready');
    expect(answer.message).toContain(`the sandbox is unavailable: bubblewrap does not work here: ${CAUSE}`);
  });

  it('refuses to plan a pull request: a failed sluice/plan and a comment naming the cause and the fix', async () => {
    const pr = await h.openPullRequest(1, CHANGED);
    expect(await h.planDone(pr.headSha)).toMatchObject({
      state: 'failure',
      description: "Not planned: Sluice's sandbox is unavailable; see the comment",
    });
    const comments = h.planComments(1);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(body).toContain("Not planned: Sluice's sandbox is unavailable");
    expect(body).toContain(`**Cause:** bubblewrap does not work here: ${CAUSE}`);
    expect(body).toContain('Install bubblewrap');
    expect(body).toContain('comment `sluice plan` to try again');
    // Nothing was planned: no project status at all.
    expect([...h.forge.latestStatuses(pr.headSha).keys()]).toEqual(['sluice/plan']);
  });

  it('refuses `sluice apply` the same way, and says so', async () => {
    await h.comment(1, 'sluice apply');
    await h.waitFor(() => h.replies(1).length > 0);
    expect(h.replies(1)[0]).toContain("Not applied: Sluice's sandbox is unavailable");
    expect(h.replies(1)[0]).toContain(CAUSE);
  });

  it('refuses the apply on merge: a failed sluice/apply on the merge commit, and a comment', async () => {
    const pr = await h.openPullRequest(2, CHANGED);
    await h.planDone(pr.headSha);
    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({
      state: 'failure',
      description: "Not applied: Sluice's sandbox is unavailable; see the comment",
    });
    expect(h.replies(2).join('\n')).toContain(`**Cause:** bubblewrap does not work here: ${CAUSE}`);
  });
});

describe('SLUICE_SANDBOX=none', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ initialFiles: INITIAL, workers: 1, env: { SLUICE_SANDBOX: 'none' } });
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await h?.close();
  });

  it('warns at startup and on every comment that plans ran without a sandbox', async () => {
    expect(h.logs.find((l) => l.includes('SLUICE_SANDBOX=none'))).toContain('"level":40');
    const pr = await h.openPullRequest(1, CHANGED);
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    const body = h.planComments(1)[0]?.body ?? '';
    expect(body).toMatch(
      /^<!-- sluice:plan -->\n> :warning: \*\*Unsandboxed:\*\* this server runs with `SLUICE_SANDBOX=none`/,
    );
    expect(body).toContain('terraform_data.a');
    await h.comment(1, 'sluice unlock');
    await h.waitFor(() => h.replies(1).length > 0);
    expect(h.replies(1)[0]).toContain(':warning: **Unsandboxed:**');
  });
});
