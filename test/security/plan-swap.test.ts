import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BackendName } from '../support/forge-driver.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';
import { type RawStore, rawStore } from './store-access.js';

/** A root module keeping its state in the test's http backend, so an apply would show there. */
const stack = (states: StateServer, name: string, body: string) => `${states.backend(name)}${body}`;
const resource = (name: string) => `resource "terraform_data" "${name}" {\n  input = "${name}"\n}\n`;
/** What an attacker's PR would run at apply, were its plan applied in the victim's place. */
const evil = `resource "terraform_data" "evil" {\n  provisioner "local-exec" {\n    command = "touch /tmp/sluice-pwned"\n  }\n}\n`;

const CONFIGURED_KEY = randomBytes(32).toString('hex');

/**
 * Finding 2 of the security review: plan-time code with write access to the store swaps an approved
 * PR's stored plan for its own. Sluice must refuse to apply a plan that is not, bit for bit, the one
 * it stored for that PR, commit and project, and say why.
 */
describe.each<[BackendName, Record<string, string>]>([
  ['redis', { SLUICE_PLAN_KEY: CONFIGURED_KEY }],
  ['embedded', {}],
])('a swapped plan is never applied (%s)', (backend, env) => {
  let h: Harness;
  let states: StateServer;
  let raw: RawStore;

  beforeAll(async () => {
    states = await startStateServer();
    h = await startHarness({
      backend,
      initialFiles: {
        'README.md': '# infra\n',
        'victim/main.tf': stack(states, 'victim', resource('v0')),
        'attacker/main.tf': stack(states, 'attacker', resource('a0')),
        'state/main.tf': stack(states, 'state', resource('s0')),
      },
      env: { SLUICE_SANDBOX_NETWORK: 'on', SLUICE_EGRESS_HOSTS: new URL(states.url).host, ...env },
    });
    h.forge.setAccess('dev', 'write');
    h.forge.setAccess('reviewer', 'write');
    raw = rawStore(h);
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await raw?.close();
    await h?.close();
    await states?.close();
  });

  it('an approved PR whose stored plan was replaced by another PR’s is refused on merge, and the PR says why', async () => {
    const victim = await h.openPullRequest(1, {
      'victim/main.tf': stack(states, 'victim', resource('v0') + resource('v1')),
    });
    const attacker = await h.openPullRequest(2, { 'attacker/main.tf': stack(states, 'attacker', evil) });
    expect(await h.planDone(victim.headSha)).toMatchObject({ state: 'success' });
    expect(await h.planDone(attacker.headSha)).toMatchObject({ state: 'success' });
    h.approve(victim);

    // The attack: the attacker's plan (sealed by Sluice for PR 2) copied over the victim's.
    const victimPlan = (await raw.pull(1)).projects[0]?.planKey ?? '';
    const attackerPlan = (await raw.pull(2)).projects[0]?.planKey ?? '';
    const stolen = await raw.store.plans.get(attackerPlan);
    expect(stolen?.planJson).toContain('local-exec');
    await raw.store.plans.put(victimPlan, stolen as NonNullable<typeof stolen>);

    const mergeSha = await h.merge(victim);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'failure' });
    expect(h.forge.latestStatuses(mergeSha).get('sluice/apply: victim')).toMatchObject({
      state: 'failure',
      description: 'Not applied: the stored plan failed its integrity check',
    });
    const comment = h.applyComments(1).join('\n');
    expect(comment).toContain(
      'the stored plan for `victim` failed its integrity check: it was changed outside Sluice. Comment `sluice plan` to plan again, and check who can write to Redis',
    );
    expect(h.logs.join('')).toMatch(
      /"level":50[^\n]*failed its integrity check: it was changed outside Sluice/,
    );
    expect(states.serials('victim')).toEqual([]);
    expect(states.serials('attacker')).toEqual([]);
    await h.closePullRequest(attacker);
  });

  it('a PR plan state rewritten to point at another plan is refused as a whole', async () => {
    const pr = await h.openPullRequest(3, {
      'state/main.tf': stack(states, 'state', resource('s0') + resource('s1')),
    });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    h.approve(pr);
    const key = await raw.pullKey(3);
    const state = await raw.pull(3);
    // Pointing apply at other content keeps the state's old seal, which no longer matches.
    const project = state.projects[0];
    if (!project) throw new Error('no project planned');
    await raw.store.pulls.put(key, { ...state, projects: [{ ...project, dir: 'attacker' }] });

    const mergeSha = await h.merge(pr);
    expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({
      state: 'failure',
      description: 'Not applied: the stored plan failed its integrity check',
    });
    expect(h.replies(3).join('\n')).toContain(
      '**Not applied:** the stored plans of this change failed their integrity check: they were changed outside Sluice',
    );
    expect(states.serials('state')).toEqual([]);
    expect(states.serials('attacker')).toEqual([]);
    // The way out still works: the bad state is set aside, and the PR's lock is released.
    await h.comment(3, 'sluice unlock');
    await h.waitFor(() => h.replies(3).some((r) => r.includes('Released 1 lock')), { timeoutMs: 30_000 });
  });

  it('an open Redis is a warning at start and on /readyz, never not-ready', async () => {
    const answer = await fetch(`${h.sluice.url}/readyz`);
    expect(answer.status).toBe(200);
    const body = (await answer.json()) as { status: string; warnings?: string[] };
    const log = h.logs.find((l) => l.includes('accepts connections without a password'));
    if (backend === 'redis') {
      expect(body.status).toBe('ready');
      expect(body.warnings?.[0]).toMatch(/^Redis at 127\.0\.0\.1:\d+ accepts connections without a password/);
      expect(log).toMatch(/"level":40[^\n]*Require a password/);
    } else {
      expect(body).toEqual({ status: 'ready' });
      expect(log).toBeUndefined();
    }
  });

  it('the plan key never reaches a log line or comment', async () => {
    const key =
      backend === 'redis'
        ? CONFIGURED_KEY
        : (await readFile(join(h.settings.dataDir, 'plan-key'), 'utf8')).trim();
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const said = [...h.logs, ...[1, 2, 3].flatMap((n) => h.forge.comments(n).map((c) => c.body))].join('\n');
    expect(said.length).toBeGreaterThan(1000);
    for (const form of [key, Buffer.from(key).toString('base64'), key.toUpperCase()]) {
      expect(said).not.toContain(form);
    }
  });
});
