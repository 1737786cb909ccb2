import { codeSpan } from './markdown.js';

/** What the job was doing when it failed, in the words of the comment's headline ("Sluice could not …"). */
export type FailedWork =
  | { kind: 'plan'; headSha: string }
  | { kind: 'command'; command: string }
  | { kind: 'merge-apply' }
  | { kind: 'close' };

export interface JobErrorView {
  action: string;
  what: string;
  ref: string;
  retry: string;
}

/**
 * The comment for a job that ended in an error. `message` is said only when the error was raised on
 * purpose with a sentence for people (a SluiceError); anything else is named by its class, never by its
 * raw text, which is in the log under `ref`.
 */
export function buildJobErrorView(
  work: FailedWork,
  error: { message?: string; name: string; attempts: number },
  ref: string,
): JobErrorView {
  const tries = error.attempts > 1 ? ` Sluice tried ${error.attempts} times.` : '';
  const what = error.message
    ? `${sentence(error.message)}${tries}`
    : `An unexpected error (${codeSpan(error.name)}) stopped it.${tries} This is a bug in Sluice or in how it is set up, not in your change.`;
  switch (work.kind) {
    case 'plan':
      return {
        action: `plan ${codeSpan(work.headSha.slice(0, 7))}`,
        what,
        ref,
        retry: 'Comment `sluice plan` to try again.',
      };
    case 'command':
      return {
        action: `run ${codeSpan(work.command)}`,
        what,
        ref,
        retry: `Comment ${codeSpan(work.command)} to try again.`,
      };
    case 'merge-apply':
      return {
        action: 'finish the apply of this merge',
        what,
        ref,
        retry:
          'What was applied before the error is in the apply comment. Comment `sluice apply` to apply the rest of the reviewed plans, or `sluice unlock` to release the locks.',
      };
    case 'close':
      return {
        action: 'release the locks and plans of this closed pull request',
        what,
        ref,
        retry: 'Comment `sluice unlock` to release them.',
      };
  }
}

/** A message as a sentence: capital first letter, closing full stop. */
function sentence(message: string): string {
  const text = message.trim();
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?)]$/.test(capital) ? capital : `${capital}.`;
}
