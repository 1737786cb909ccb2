import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BackendName, type ForgeName, type Harness, startHarness } from '../support/harness.js';

const root = (name: string, resources: number, extra = '') => `
terraform {
  required_version = ">= 1.6"
}
${Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}
${extra}
output "name" {
  value = "${name}"
}
`;

const moduleCall = (env: string) => `
module "bucket" {
  source = "../../modules/bucket"
  name   = "${env}"
}
`;

const INITIAL = {
  'README.md': '# infra\n',
  'envs/prod/main.tf': root('prod', 1, moduleCall('prod')),
  'envs/staging/main.tf': root('staging', 1, moduleCall('staging')),
  'network/main.tf': root('network', 1),
  'modules/bucket/main.tf': `variable "name" {\n  type = string\n}\n\nresource "terraform_data" "bucket" {\n  input = var.name\n}\n`,
};

/** Every forge on Redis; the embedded backend (no REDIS_URL) on both forges too. */
const RUNS: Array<[ForgeName, BackendName]> = [
  ['github', 'redis'],
  ['gitlab', 'redis'],
  ['github', 'embedded'],
  ['gitlab', 'embedded'],
];

describe.each(RUNS)(
  'autoplan on %s with the %s backend, end to end (git, OpenTofu, sandbox)',
  (forge, backend) => {
    let h: Harness<ForgeName>;
    let keyDir: string;
    let keyPath: string;

    beforeAll(async () => {
      keyDir = await mkdtemp(join(tmpdir(), 'sluice-key-'));
      keyPath = join(keyDir, 'secrets.txt');
      // Several PRs here touch the same projects; locking is covered in apply.scenarios.test.ts.
      h = await startHarness({ forge, backend, initialFiles: INITIAL, env: { SLUICE_LOCK_MODE: 'off' } });
      // The server's own secrets (GitHub: the App's private key), where a PR could try to reach them.
      await writeFile(keyPath, h.settings.secrets.join('\n'));
    });
    afterEach(() => h.forge.assertNoViolations());
    afterAll(async () => {
      await h?.close();
      await rm(keyDir, { recursive: true, force: true });
    });

    it('(a) plans two changed root modules into one comment with a section each', async () => {
      const pr = await h.openPullRequest(1, {
        'envs/prod/main.tf': root('prod', 3, moduleCall('prod')),
        'network/main.tf': root('network', 2),
      });
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
      const comments = h.planComments(1);
      expect(comments).toHaveLength(1);
      const body = comments[0]?.body ?? '';
      expect(body).toContain('envs/prod');
      expect(body).toContain('network');
      expect(body).not.toContain('envs/staging');
      expect(body).toContain('terraform_data.prod_2');
      expect(body).toContain('terraform_data.network_1');
      // prod: 3 own resources + the module's bucket = 4 to add; network: 2.
      expect(body).toMatch(/4 to add, 0 to change, 0 to destroy/);
      expect(body).toMatch(/2 to add, 0 to change, 0 to destroy/);
      expect(body).toContain(pr.headSha.slice(0, 7));
      const statuses = h.forge.latestStatuses(pr.headSha);
      expect(statuses.get('sluice/plan')?.state).toBe('success');
      expect(statuses.get('sluice/plan: envs/prod')?.state).toBe('success');
      expect(statuses.get('sluice/plan: network')?.state).toBe('success');
    });

    it('(b) a new push edits the same comment and supersedes the older plan', async () => {
      // Two plans at a time: after the first finishes, at least one more round is still running.
      const many = Object.fromEntries(
        Array.from({ length: 12 }, (_, i) => [`stacks/s${i}/main.tf`, root(`s${i}`, 2)]),
      );
      const first = await h.openPullRequest(2, many);
      // Push while the first plan is still running (12 projects, 2 at a time, leave it time to be superseded).
      await h.waitFor(
        () =>
          [...h.forge.latestStatuses(first.headSha).values()].some(
            (s) => s.context !== 'sluice/plan' && s.state === 'success',
          ),
        { timeoutMs: 60_000 },
      );
      const second = await h.push(first, { 'stacks/s0/main.tf': root('s0', 5) });
      expect(await h.planDone(second.headSha)).toMatchObject({ state: 'success' });
      expect(await h.planDone(first.headSha)).toMatchObject({ state: h.forge.shown('error') });
      expect(h.forge.latestStatuses(first.headSha).get('sluice/plan')?.description).toMatch(/superseded/i);
      const comments = h.planComments(2);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain(second.headSha.slice(0, 7));
      expect(comments[0]?.body).toContain('terraform_data.s0_4');
    });

    it('(c) invalid HCL fails its own project only', async () => {
      const pr = await h.openPullRequest(3, {
        'envs/staging/main.tf': 'resource "terraform_data" "x" {\n  input = \n',
        'network/main.tf': root('network', 3),
      });
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'failure' });
      const statuses = h.forge.latestStatuses(pr.headSha);
      expect(statuses.get('sluice/plan: envs/staging')?.state).toBe('failure');
      expect(statuses.get('sluice/plan: network')?.state).toBe('success');
      const body = h.planComments(3)[0]?.body ?? '';
      expect(body).toMatch(/Error/);
      expect(body).toMatch(/3 to add/);
    });

    it('(d) a docs-only PR gets no plan and no comment', async () => {
      const pr = await h.openPullRequest(4, {
        'README.md': '# infra\n\nMore docs.\n',
        'docs/guide.md': 'guide\n',
      });
      const status = await h.planDone(pr.headSha);
      expect(status.state).toBe('success');
      expect(status.description).toMatch(/no terraform/i);
      expect(h.forge.comments(4)).toHaveLength(0);
    });

    it('(e) a change to a local module plans every root that calls it', async () => {
      const pr = await h.openPullRequest(5, {
        'modules/bucket/main.tf': `variable "name" {\n  type = string\n}\n\nresource "terraform_data" "bucket" {\n  input = var.name\n}\n\nresource "terraform_data" "policy" {\n  input = "policy-\${var.name}"\n}\n`,
      });
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
      const body = h.planComments(5)[0]?.body ?? '';
      expect(body).toContain('envs/prod');
      expect(body).toContain('envs/staging');
      expect(body).not.toMatch(/### .*modules\/bucket/);
      expect(body).toContain('module.bucket.terraform_data.policy');
    });

    it('(f) unsigned, wrongly signed, tampered, malformed, oversize and nameless webhooks are refused and enqueue nothing', async () => {
      const before = await queueCounts(h);
      const bad = h.forge.badDeliveries(99, h.settings.webhookMaxBytes);
      const send = (delivery: { headers: Record<string, string>; body: Buffer }) =>
        h.post(delivery.headers, delivery.body);

      expect((await send(bad.unsigned)).status).toBe(401);
      expect((await send(bad.wrongSecret)).status).toBe(401);
      expect((await send(bad.tampered)).status).toBe(401);
      const res = await send(bad.malformed);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: 'WEBHOOK_PAYLOAD_MALFORMED' });
      expect((await send(bad.oversize)).status).toBe(413);
      expect((await send(bad.noEvent)).status).toBe(400);

      expect(await queueCounts(h)).toEqual(before);
      expect(h.forge.comments(99)).toHaveLength(0);
    });

    it('(g) the same delivery sent three times plans once', async () => {
      const pr = await h.forge.createPullRequest(6, { 'network/main.tf': root('network', 4) });
      const delivery = h.forge.openedDelivery(pr, 'delivery-g-1');
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await h.forge.post(delivery)).status);
      expect(codes).toEqual([202, 200, 200]);
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
      expect(h.forge.timesStarted(pr.headSha, 'sluice/plan')).toBe(1);
      expect(h.planComments(6)).toHaveLength(1);
    });

    it("(h) a PR that reads the server's secrets leaks them nowhere", async () => {
      const pr = await h.openPullRequest(7, {
        'evil/main.tf': `output "key" {\n  value = file("${keyPath}")\n}\n\noutput "linked" {\n  value = file("\${path.module}/key.pem")\n}\n`,
        'evil/key.pem': { symlink: keyPath },
      });
      await h.planDone(pr.headSha);
      const key = await readFile(keyPath, 'utf8');
      const keyLines = key.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'));
      // GitHub: the private key's lines and the webhook secret; GitLab: token, webhook secret, signing token.
      expect(keyLines.length).toBeGreaterThanOrEqual(3);
      const everything = [
        ...h.forge.comments(7).map((c) => c.body),
        ...h.forge.statuses(pr.headSha).map((s) => s.description),
        ...h.logs,
      ].join('\n');
      for (const line of keyLines) expect(everything).not.toContain(line);
      for (const secret of h.settings.secrets) expect(everything).not.toContain(secret);
      expect(everything).not.toContain('PRIVATE KEY-----\n');
    });
  },
);

async function queueCounts(h: Harness<ForgeName>) {
  // Jobs move between states while others finish; the total only grows when something is enqueued.
  const counts = await h.sluice.queueCounts();
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
