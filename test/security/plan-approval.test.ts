import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ForgeName, type Harness, startHarness } from '../support/harness.js';
import { type StateServer, startStateServer } from '../support/state-server.js';

/** A root module whose one resource takes a variable, keeping its state in the test's http backend. */
const knob = (states: StateServer, name: string, extra = '') => `${states.backend(name)}
variable "size" {
  type    = string
  default = "1"
}
resource "terraform_data" "${name}" {
  input = var.size
}
${extra}`;

const PLAN_ID = /`knob` · plan `([0-9a-f]{8})`/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Finding 6 of the security review: an approval was bound to the commit, so `sluice plan -- -var=…`
 * after it replaced the reviewed plan with one nobody saw, and it was applied. An approval now covers
 * the plans that existed when it was given.
 */
describe.each<ForgeName>(['github', 'gitlab'])('an approval is bound to the plan on %s', (forge) => {
  let h: Harness<ForgeName>;
  let states: StateServer;

  beforeAll(async () => {
    states = await startStateServer();
    h = await startHarness({
      forge,
      initialFiles: { 'README.md': '# infra\n', 'knob/main.tf': knob(states, 'knob') },
      env: {
        SLUICE_SANDBOX_NETWORK: 'on',
        // The state backend runs on loopback: the sandbox reaches it only when listed by address.
        SLUICE_EGRESS_HOSTS: new URL(states.url).host,
        SLUICE_APPLY_MODE: 'comment',
      },
    });
    h.forge.setAccess('dev', 'write');
    h.forge.setAccess('reviewer', 'write');
    h.forge.setAccess('second', 'write');
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    await states?.close();
  });

  it('a re-plan with other variables after approval is not applied until approved again', async () => {
    const pr = await h.openPullRequest(1, { 'knob/main.tf': knob(states, 'knob', '# change\n') });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    const approvedId = PLAN_ID.exec(h.planComments(1)[0]?.body ?? '')?.[1];
    expect(approvedId).toMatch(/^[0-9a-f]{8}$/);
    h.approve(pr);
    // Forges report approval times in whole seconds: the re-plan comes in a later one, as people do.
    await sleep(1100);

    await h.comment(1, 'sluice plan -- -var=size=2');
    await h.waitFor(
      () => {
        const id = PLAN_ID.exec(h.planComments(1)[0]?.body ?? '')?.[1];
        return id !== undefined && id !== approvedId;
      },
      { timeoutMs: 90_000 },
    );
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    const replannedId = PLAN_ID.exec(h.planComments(1)[0]?.body ?? '')?.[1];

    await h.comment(1, 'sluice apply');
    await h.waitFor(() => h.replies(1).some((r) => r.includes('cannot apply yet')), { timeoutMs: 60_000 });
    expect(h.replies(1).join('\n')).toContain(
      `**Approved**: the plan for \`knob\` changed after the last approval (plan \`${replannedId}\`, approved plan \`${approvedId}\`): approve again to apply.`,
    );
    expect(await h.statusDone(pr.headSha, 'sluice/apply')).toMatchObject({
      state: 'failure',
      description: 'Not applied: approved not met',
    });
    expect(states.serials('knob')).toEqual([]);

    // A fresh approval, given after the new plan was shown, applies it.
    h.approve(pr, 'second');
    await h.comment(1, 'sluice apply');
    await h.waitFor(() => h.forge.latestStatuses(pr.headSha).get('sluice/apply')?.state === 'success', {
      timeoutMs: 90_000,
    });
    expect(states.serials('knob')).toHaveLength(1);
    expect(JSON.stringify(states.state('knob')?.resources)).toContain('"2"');
  });
});
