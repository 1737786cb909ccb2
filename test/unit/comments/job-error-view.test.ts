import { describe, expect, it } from 'vitest';
import { buildJobErrorView, type FailedWork } from '../../../src/comments/job-error-view.js';
import { renderJobErrorComment } from '../../../src/comments/render.js';

const SHA = 'f0d3b7f032235208886848ff63915908d0661725';

describe('the comment of a job that failed for good', () => {
  it.each<[string, FailedWork, { message?: string; name: string; attempts: number }, RegExp[]]>([
    [
      'a plan whose checkout failed (a coded error says what)',
      { kind: 'plan', headSha: SHA },
      {
        message: 'commit f0d3b7f0 is not in the origin (force-pushed away?)',
        name: 'SluiceError',
        attempts: 3,
      },
      [
        /^### ⚠️ Sluice could not plan `f0d3b7f`$/m,
        /^Commit f0d3b7f0 is not in the origin \(force-pushed away\?\) Sluice tried 3 times\.$/m,
        /Comment `sluice plan` to try again\./,
      ],
    ],
    [
      'a command that met a bug (never the raw text)',
      { kind: 'command', command: 'sluice apply -p prod' },
      { name: 'TypeError', attempts: 1 },
      [
        /Sluice could not run `sluice apply -p prod`/,
        /An unexpected error \(`TypeError`\) stopped it\. This is a bug in Sluice or in how it is set up, not in your change\./,
        /Comment `sluice apply -p prod` to try again\./,
      ],
    ],
    [
      'an apply on merge',
      { kind: 'merge-apply' },
      { name: 'Error', attempts: 3 },
      [
        /Sluice could not finish the apply of this merge/,
        /stopped it\. Sluice tried 3 times\./,
        /`sluice unlock`/,
      ],
    ],
    [
      'a close',
      { kind: 'close' },
      { name: 'Error', attempts: 1 },
      [/release the locks and plans of this closed pull request/, /Comment `sluice unlock`/],
    ],
  ])('%s', async (_, work, error, expected) => {
    const body = await renderJobErrorComment(buildJobErrorView(work, error, 'err-0123456789'), {});
    for (const pattern of expected) expect(body).toMatch(pattern);
    expect(body).toContain('**Reference:** `err-0123456789`');
    expect(body).toContain('send the reference to whoever runs Sluice');
  });
});
