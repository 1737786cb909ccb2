import { codeSpan } from '../comments/markdown.js';
import { describeIdentity } from '../runner/terraform/state-document.js';
import type { StateLock } from '../runner/terraform/state-probe.js';
import type { StateIdentity } from '../store/types.js';

/** Every sentence about an interrupted apply, in one place. */
export const recoveryText = {
  busy: (startedAt: string) =>
    `Sluice did not run this plan again: another apply of it started at ${startedAt} and is still running. Its result will be posted here.`,
  settled: () =>
    'Sluice did not run this plan again: it was applied before, or an interrupted apply of it left the state changed (see the earlier apply comment). Comment `sluice plan` to plan against the state as it is now.',
  appliedEarlier: () => 'Applied (by an earlier run of this job, which stopped before it could report it).',
  recoveredApplied: (now: StateIdentity | null, released?: string) =>
    `Applied. The worker running this apply stopped before reporting back; Sluice read the state afterwards: it is at ${describeIdentity(now)} and holds exactly what the reviewed plan makes.${released ? ` Sluice removed the state lock ${codeSpan(released)} the stopped apply had left.` : ''}`,
  reappliedNote: (released?: string) =>
    `The first attempt was interrupted before it changed the state${released ? ` (Sluice removed the state lock ${codeSpan(released)} it had left)` : ''}, so the saved plan was still exact and Sluice applied it again.`,
  waitingForApply: (released?: string) =>
    `Not applied yet: the worker running this apply stopped before it changed the state${released ? ` (Sluice removed the state lock ${codeSpan(released)} it had left)` : ''}. The saved plan is still exact; comment \`sluice apply\` to apply it.`,
  differs: (dir: string, before: StateIdentity | null, now: StateIdentity | null, differences: string[]) =>
    [
      `**The apply was interrupted part-way:** the state of ${codeSpan(dir)} moved from ${describeIdentity(before)} to ${describeIdentity(now)}, but it is not what the reviewed plan makes:`,
      ...differences.slice(0, 10).map((d) => `- ${d}`),
      ...(differences.length > 10 ? [`- … and ${differences.length - 10} more`] : []),
      '',
      'The lock stays with this change. Comment `sluice plan` to plan against the state as it is now, review that plan, then apply it.',
    ].join('\n'),
  foreignLock: (dir: string, lock: StateLock) =>
    `Not applied: the state of ${codeSpan(dir)} is locked by ${codeSpan(lock.who || 'someone')} (lock ${codeSpan(lock.id)}${lock.operation ? `, ${lock.operation}` : ''}${lock.created ? `, since ${lock.created}` : ''}), not by Sluice's interrupted apply, so Sluice cannot tell whether that apply changed anything. If no one is running OpenTofu/Terraform on it, run \`tofu force-unlock ${lock.id}\` in ${codeSpan(dir)}, then comment \`sluice apply\`.`,
  cannotRead: (message: string) =>
    `Not applied: the worker running this apply stopped before reporting back, and Sluice could not read the state to tell what it did (${message}). Comment \`sluice apply\` to check again.`,
  stateUnreadable: (message: string) =>
    `Not applied: Sluice could not read the state before applying (${message}), so it did not start. Fix the cause and comment \`sluice apply\`.`,
  dbtRerun: () =>
    'The first attempt was interrupted before it reported back. A Write-Audit-Publish apply builds new tables and publishes them in one transaction, so Sluice ran it again.',
  gaveUp: (ref: string) =>
    `**Apply not finished:** the worker running it stopped and its retries ran out (reference \`${ref}\`). Nothing more runs on its own: comment \`sluice apply\` and Sluice will read the state and finish, re-apply or tell you what differs.`,
};
