import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BackendName, type ForgeName, type Harness, startHarness } from '../support/harness.js';

const git = promisify(execFile);

const INITIAL = {
  'README.md': '# infra\n',
  'network/main.tf': 'resource "terraform_data" "n" {\n  input = "n"\n}\n',
};
const change = (value: string) => ({
  'network/main.tf': `resource "terraform_data" "n" {\n  input = "${value}"\n}\n`,
});

/** Both forges, each on one backend; the reporter is the same code on all four. */
const RUNS: Array<[ForgeName, BackendName]> = [
  ['github', 'redis'],
  ['gitlab', 'embedded'],
];

/**
 * No silent failures: a job that fails for good ends with an `error` status and a comment carrying a
 * reference id that is also in the log. Failures are injected with real parts: a commit git cannot fetch
 * (checkout), and an admin's broken comment template (report).
 */
describe.each(RUNS)('a job that fails for good, on %s with the %s backend', (forge, backend) => {
  let h: Harness<ForgeName>;
  let templates: string;

  beforeAll(async () => {
    templates = await mkdtemp(join(tmpdir(), 'sluice-templates-'));
    h = await startHarness({
      forge,
      backend,
      initialFiles: INITIAL,
      env: { SLUICE_TEMPLATES_DIR: templates },
    });
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    await rm(templates, { recursive: true, force: true });
  });

  /** The reference id the PR was told, checked against the log. */
  const toldWithRef = async (number: number) => {
    await h.waitFor(() => h.replies(number).some((r) => r.includes('Sluice could not')));
    const reply = h.replies(number).find((r) => r.includes('Sluice could not'));
    const ref = /`(err-[0-9a-f]{10})`/.exec(reply ?? '')?.[1];
    expect(ref, 'a reference id in the comment').toBeDefined();
    const logged = h.logs.filter((line) => line.includes(`"ref":"${ref}"`) && line.includes('"job failed"'));
    expect(logged, 'the same reference in the log').toHaveLength(1);
    return { reply: reply ?? '', ref: ref ?? '' };
  };

  it('checkout: a head commit git cannot fetch → error status and a comment, after the retries', async () => {
    const pr = await h.forge.createPullRequest(1, change('one'));
    // The commit leaves the origin: every ref to it is deleted and git forgets it.
    const refs = (
      await git('git', ['-C', h.origin.bareDir, 'for-each-ref', '--format=%(objectname) %(refname)'])
    ).stdout;
    for (const line of refs.split('\n')) {
      const [sha, ref] = line.split(' ');
      if (sha === pr.headSha && ref) await git('git', ['-C', h.origin.bareDir, 'update-ref', '-d', ref]);
    }
    await git('git', ['-C', h.origin.bareDir, 'reflog', 'expire', '--expire=now', '--all']);
    await git('git', ['-C', h.origin.bareDir, 'gc', '--prune=now', '--quiet']);
    await h.forge.post(h.forge.openedDelivery(pr));

    const status = await h.statusDone(pr.headSha, 'sluice/plan', 60_000);
    expect(status.state).toBe(h.forge.shown('error'));
    const { reply, ref } = await toldWithRef(1);
    expect(status.description).toContain(ref);
    expect(reply).toContain(`plan \`${pr.headSha.slice(0, 7)}\``);
    expect(reply).toContain('Sluice tried 3 times.');
    expect(reply).toContain('Comment `sluice plan` to try again.');
    // Said in words, not as a stack trace.
    expect(reply).not.toMatch(/\n\s+at /);
  });

  it('report: an admin template that does not parse → error status and a comment naming no raw error text', async () => {
    await writeFile(join(templates, 'plan.liquid'), '{% if view.projects %}unclosed\n');
    const pr = await h.openPullRequest(2, change('two'));
    const status = await h.statusDone(pr.headSha, 'sluice/plan', 60_000);
    expect(status.state).toBe(h.forge.shown('error'));
    const { reply, ref } = await toldWithRef(2);
    expect(status.description).toContain(ref);
    expect(reply).toContain('An unexpected error (`ParseError`)');
    expect(reply).not.toContain('unclosed');
    // No per-project status is left pending either.
    const pending = [...h.forge.latestStatuses(pr.headSha).values()].filter((s) => s.state === 'pending');
    expect(pending).toEqual([]);
    await rm(join(templates, 'plan.liquid'));
  });
});
