import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  FORK_OWNER,
  type ForgeName,
  type Harness,
  type PullRequestHandle,
  startHarness,
} from '../support/harness.js';

const FORGES: ForgeName[] = ['github', 'gitlab'];

const root = (name: string, resources: number) => `
terraform {
  required_version = ">= 1.6"
}
${Array.from({ length: resources }, (_, i) => `resource "terraform_data" "${name}_${i}" {\n  input = "${name}-${i}"\n}\n`).join('\n')}
`;

const INITIAL = {
  'README.md': '# infra\n',
  'network/main.tf': root('network', 1),
  'storage/main.tf': root('storage', 1),
};

/** The PR head ref the forge keeps in the repository itself: the only way a fork's commits get there. */
const headRef = (forge: ForgeName, number: number) =>
  forge === 'github' ? `refs/pull/${number}/head` : `refs/merge-requests/${number}/head`;

/** The origin's refs and where they point, as `git ls-remote` lists them. */
async function originRefs(h: Harness<ForgeName>): Promise<Map<string, string>> {
  const out = await h.origin.git('ls-remote', h.origin.url);
  return new Map(
    out
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [sha = '', ref = ''] = line.split('\t');
        return [ref, sha] as const;
      }),
  );
}

/** The fork PR's branch is not in the repository; its head commit is, as the forge's PR head ref. */
async function expectOnlyHeadRef(h: Harness<ForgeName>, forge: ForgeName, pr: PullRequestHandle) {
  const refs = await originRefs(h);
  expect(refs.has(`refs/heads/${pr.branch}`)).toBe(false);
  expect(refs.get(headRef(forge, pr.number))).toBe(pr.headSha);
}

/** A server config for every repository with `extra` rule lines. */
async function serverConfig(dir: string, extra: string): Promise<string> {
  const configFile = join(dir, 'sluice-server.yaml');
  await writeFile(configFile, `version: 1\nrepos:\n  - id_regex: '.*'\n    allowed: true\n${extra}`);
  return configFile;
}

describe.each(FORGES)('forks: plan on %s (redis): an admin keeps planning forks', (forge) => {
  let h: Harness<ForgeName>;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-server-config-'));
    h = await startHarness({
      forge,
      initialFiles: INITIAL,
      env: { SLUICE_CONFIG: await serverConfig(dir, '    forks: plan\n') },
    });
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('is planned from the head ref the forge keeps, its comment appears, and a push plans again', async () => {
    const pr = await h.openPullRequest(1, { 'network/main.tf': root('network', 2) }, { fromFork: true });
    expect(pr.forkOwner).toBe(FORK_OWNER);
    await expectOnlyHeadRef(h, forge, pr);

    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    const comments = h.planComments(1);
    expect(comments).toHaveLength(1);
    const body = comments[0]?.body ?? '';
    expect(body).toContain('network');
    expect(body).toContain('terraform_data.network_1');
    // No state yet: every resource of the module is to add.
    expect(body).toMatch(/2 to add, 0 to change, 0 to destroy/);
    expect(body).toContain(pr.headSha.slice(0, 7));
    expect(h.forge.latestStatuses(pr.headSha).get('sluice/plan: network')?.state).toBe('success');

    // The fork's owner pushes again: the new head reaches Sluice through the same ref.
    const next = await h.push(pr, { 'network/main.tf': root('network', 3) });
    await expectOnlyHeadRef(h, forge, next);
    expect(await h.planDone(next.headSha)).toMatchObject({ state: 'success' });
    await h.waitFor(() => (h.planComments(1)[0]?.body ?? '').includes(next.headSha.slice(0, 7)));
    expect(h.planComments(1)).toHaveLength(1);
    expect(h.planComments(1)[0]?.body).toMatch(/3 to add, 0 to change, 0 to destroy/);
  });
});

describe.each(FORGES)(
  'forks by default on %s (redis): planned only when a maintainer allows a commit',
  (forge) => {
    let h: Harness<ForgeName>;
    const noun = forge === 'github' ? 'pull request' : 'merge request';
    const SKIPPED = 'not acting on a pull request from a fork (forks: skip)';
    const skips = () => h.logs.filter((line) => line.includes(SKIPPED)).length;
    const refused = {
      state: 'failure',
      description: `Not planned: a ${noun} from a fork is planned once a maintainer comments sluice plan`,
    };

    const planSucceeded = (sha: string) =>
      h.waitFor(() => h.forge.latestStatuses(sha).get('sluice/plan')?.state === 'success', {
        timeoutMs: 60_000,
      });

    beforeAll(async () => {
      h = await startHarness({ forge, initialFiles: INITIAL });
      h.forge.setAccess('dev', 'write');
      h.forge.setAccess('reader', 'read');
      // The fork's owner may even have write access: their own comment never counts.
      h.forge.setAccess(FORK_OWNER, 'write');
    });
    afterEach(() => h.forge.assertNoViolations());
    afterAll(async () => {
      await h?.close();
    });

    it('a fork PR gets no plan and a failed status that says why; its author and readers cannot allow it', async () => {
      const fork = await h.openPullRequest(1, { 'network/main.tf': root('network', 2) }, { fromFork: true });
      await expectOnlyHeadRef(h, forge, fork);
      // The autoplan is dropped in the worker with one log line; a required check says why it waits.
      await h.waitFor(() => skips() === 1, { timeoutMs: 30_000 });
      await h.waitFor(() => h.forge.latestStatuses(fork.headSha).get('sluice/plan') !== undefined);
      expect(h.forge.latestStatuses(fork.headSha).get('sluice/plan')).toMatchObject(refused);
      expect(h.forge.comments(1)).toEqual([]);

      // The author asks for a plan: refused, whatever their access.
      const byAuthor = await h.comment(1, 'sluice plan', FORK_OWNER);
      await h.waitFor(() => h.replies(1).length === 1, { timeoutMs: 30_000 });
      expect(h.replies(1)[0]).toContain(
        `@${FORK_OWNER}, a ${noun} from a fork is planned only when a maintainer (someone with write access other than its author) comments \`sluice plan\`.`,
      );
      expect(h.forge.reactions()).toContainEqual({
        commentId: byAuthor,
        content: 'confused',
        user: expect.any(String),
      });

      // Someone with read access: refused too.
      await h.comment(1, 'sluice plan', 'reader');
      await h.waitFor(() => h.replies(1).length === 2, { timeoutMs: 30_000 });
      expect(h.replies(1)[1]).toContain(
        `Sorry @reader, only someone with write access to this repository can allow planning a ${noun} from a fork.`,
      );
      // Other commands are answered with why.
      await h.comment(1, 'sluice apply', 'dev');
      await h.waitFor(() => h.replies(1).length === 3, { timeoutMs: 30_000 });
      expect(h.replies(1)[2]).toContain(
        `Sluice does not act on this ${noun}'s commit ${fork.headSha.slice(0, 7)}: it comes from a fork, and no maintainer allowed it.`,
      );
      expect(h.planComments(1)).toEqual([]);
      expect([...h.forge.latestStatuses(fork.headSha).keys()]).toEqual(['sluice/plan']);

      // `help` changes nothing, so it is answered on a fork's PR too.
      await h.comment(1, 'sluice help', 'dev');
      await h.waitFor(() => h.replies(1).length === 4, { timeoutMs: 30_000 });
      expect(h.replies(1)[3]).toContain('Usage: `sluice <command>');
    });

    it('a maintainer’s `sluice plan` allows that one commit, said on the PR; a new push needs a new allowance', async () => {
      const fork = await h.openPullRequest(2, { 'storage/main.tf': root('storage', 2) }, { fromFork: true });
      await h.waitFor(() => h.forge.latestStatuses(fork.headSha).get('sluice/plan')?.state === 'failure', {
        timeoutMs: 30_000,
      });
      await h.comment(2, 'sluice plan', 'dev');
      await h.waitFor(() => h.replies(2).length === 1, { timeoutMs: 30_000 });
      expect(h.replies(2)[0]).toContain(`@dev allowed planning of fork commit ${fork.headSha.slice(0, 7)}.`);
      // The refused status is replaced by the plan's.
      await planSucceeded(fork.headSha);
      expect(h.planComments(2)).toHaveLength(1);
      expect(h.planComments(2)[0]?.body).toContain('terraform_data.storage_1');
      expect(h.planComments(2)[0]?.body).toContain(fork.headSha.slice(0, 7));

      // The fork's owner pushes: that commit is not allowed, so it is not planned and the comment stays.
      const next = await h.push(fork, { 'storage/main.tf': root('storage', 3) });
      await h.waitFor(() => h.forge.latestStatuses(next.headSha).get('sluice/plan') !== undefined, {
        timeoutMs: 30_000,
      });
      expect(h.forge.latestStatuses(next.headSha).get('sluice/plan')).toMatchObject(refused);
      expect(h.planComments(2)[0]?.body).not.toContain(next.headSha.slice(0, 7));

      // A new allowance plans the new commit.
      await h.comment(2, 'sluice plan', 'dev');
      await h.waitFor(() => h.replies(2).length === 2, { timeoutMs: 30_000 });
      expect(h.replies(2)[1]).toContain(`@dev allowed planning of fork commit ${next.headSha.slice(0, 7)}.`);
      await planSucceeded(next.headSha);
      await h.waitFor(() => (h.planComments(2)[0]?.body ?? '').includes(next.headSha.slice(0, 7)));
      expect(h.planComments(2)[0]?.body).toMatch(/3 to add, 0 to change, 0 to destroy/);
    });

    it('an allowed fork PR merged without approval is not applied: the apply requirements still hold', async () => {
      const fork = await h.openPullRequest(4, { 'dns/main.tf': root('dns', 1) }, { fromFork: true });
      await h.waitFor(() => h.forge.latestStatuses(fork.headSha).get('sluice/plan')?.state === 'failure', {
        timeoutMs: 30_000,
      });
      await h.comment(4, 'sluice plan', 'dev');
      await planSucceeded(fork.headSha);
      const mergeSha = await h.merge(fork);
      expect(await h.statusDone(mergeSha, 'sluice/apply')).toMatchObject({ state: 'failure' });
      expect(h.replies(4).join('\n')).toMatch(/merged without meeting its apply requirements/);
    });

    it('a PR from a branch of the repository itself still plans', async () => {
      const pr = await h.openPullRequest(3, { 'network/main.tf': root('network', 4) });
      expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
      const comments = h.planComments(3);
      expect(comments).toHaveLength(1);
      expect(comments[0]?.body).toContain('terraform_data.network_3');
      expect(h.forge.latestStatuses(pr.headSha).get('sluice/plan: network')?.state).toBe('success');
    });
  },
);
