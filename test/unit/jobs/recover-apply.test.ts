import { describe, expect, it } from 'vitest';
import { newAttempt } from '../../../src/jobs/apply-journal.js';
import { recoverTerraformApply } from '../../../src/jobs/recover-apply.js';
import type { StateLock, StateProbe } from '../../../src/runner/terraform/state-probe.js';
import type { StateIdentity } from '../../../src/store/types.js';

const plan = JSON.stringify({
  resource_changes: [
    {
      address: 'terraform_data.r0',
      mode: 'managed',
      type: 'terraform_data',
      name: 'r0',
      change: { actions: ['create'], after: { input: 'r0-2' }, after_unknown: { id: true } },
    },
  ],
});
const stateText = (serial: number, input?: string) =>
  JSON.stringify({
    version: 4,
    serial,
    lineage: 'l-1',
    resources: input
      ? [
          {
            mode: 'managed',
            type: 'terraform_data',
            name: 'r0',
            instances: [{ attributes: { input: { value: input, type: 'string' } } }],
          },
        ]
      : [],
  });

const previous = {
  ...newAttempt({ claim: 'p@1', prKey: 'github/1/pr/1', project: 'k', runId: 'job-1' }),
  phase: 'applying' as const,
  stateBefore: { lineage: 'l-1', serial: 4 } as StateIdentity,
};
const ours: StateLock = {
  id: 'lock-1',
  who: `root@sluice-${previous.attemptId}`,
  operation: 'OperationTypeApply',
  created: 'now',
};

/** A probe scripted with what the backend answers; records what recovery did. */
function probe(answer: { held?: StateLock; text: string; identity: StateIdentity | null }) {
  const unlocked: string[] = [];
  const scripted: StateProbe = {
    prepare: async () => undefined,
    lock: async () => ({ ok: true, held: answer.held }),
    forceUnlock: async (id) => {
      unlocked.push(id);
      return undefined;
    },
    read: async () => ({ ok: true, identity: answer.identity, text: answer.text }),
  };
  return { scripted, unlocked };
}

const recover = (p: StateProbe) =>
  recoverTerraformApply({ probe: p, previous, planJson: plan, dir: 'k', lockWaitMs: 0 });

describe('recoverTerraformApply', () => {
  it('state unchanged: removes the lock its own attempt left, and says the plan is still exact', async () => {
    const { scripted, unlocked } = probe({
      held: ours,
      text: stateText(4),
      identity: { lineage: 'l-1', serial: 4 },
    });
    expect(await recover(scripted)).toEqual({ kind: 'unchanged', released: 'lock-1' });
    expect(unlocked).toEqual(['lock-1']);
  });

  it("state advanced to exactly the plan's result: applied", async () => {
    const { scripted } = probe({ text: stateText(5, 'r0-2'), identity: { lineage: 'l-1', serial: 5 } });
    const found = await recover(scripted);
    expect(found.kind).toBe('applied');
    expect(found.kind === 'applied' && found.message).toContain('serial 5');
  });

  it('state advanced to something else: differs, naming the resource and `sluice plan`', async () => {
    const { scripted } = probe({ text: stateText(5, 'r0-1'), identity: { lineage: 'l-1', serial: 5 } });
    const found = await recover(scripted);
    expect(found.kind).toBe('differs');
    const message = found.kind === 'differs' ? found.message : '';
    expect(message).toContain('serial 4 of lineage `l-1` to serial 5');
    expect(message).toContain('`terraform_data.r0`: `input` is not the planned value');
    expect(message).toContain('`sluice plan`');
  });

  it('another lineage: differs', async () => {
    const { scripted } = probe({ text: stateText(9, 'r0-2'), identity: { lineage: 'other', serial: 9 } });
    expect((await recover(scripted)).kind).toBe('differs');
  });

  it("someone else's lock is left alone, and the PR is told the one command that removes it", async () => {
    const theirs = { ...ours, id: 'lock-9', who: 'alice@laptop' };
    const { scripted, unlocked } = probe({
      held: theirs,
      text: stateText(4),
      identity: { lineage: 'l-1', serial: 4 },
    });
    const found = await recover(scripted);
    expect(found.kind).toBe('unknown');
    expect(found.kind === 'unknown' && found.message).toContain('tofu force-unlock lock-9');
    expect(unlocked).toEqual([]);
  });
});
