import { describe, expect, it } from 'vitest';
import { gateJobs } from '../../../src/config/job-gate.js';
import { defaultRules, type RepoRules } from '../../../src/config/rules.js';
import { createRulesSource } from '../../../src/config/rules-source.js';
import { parseServerConfig } from '../../../src/config/server-config.js';
import type { ForgeRegistry } from '../../../src/forge/registry.js';
import type { PullRequestRef } from '../../../src/forge/types.js';
import type { Logger } from '../../../src/logger.js';
import type { Job } from '../../../src/queue/jobs.js';
import type { ForkAllowance } from '../../../src/store/types.js';

const pr = (name: string): PullRequestRef => ({
  repo: { forge: 'github', id: '1', owner: 'acme', name, fullName: `acme/${name}` },
  number: 3,
});
const SHA = 'a'.repeat(40);

function setup(text: string, draft = false, fromFork = false, roles: Record<string, string> = {}) {
  const parsed = parseServerConfig(text, 'server.yaml');
  if (!parsed.ok) throw new Error('bad config');
  const rules = createRulesSource({
    base: defaultRules(),
    config: parsed.config,
    hostOf: () => 'github.com',
  });
  const ran: string[] = [];
  const logged: string[] = [];
  const logger = { info: (_: unknown, message: string) => logged.push(message) } as unknown as Logger;
  const said: string[] = [];
  const forges = {
    get: () => ({
      capabilities: { changeRequest: { noun: 'pull request', short: 'PR', prefix: '#' } },
      getPullRequest: async () => ({ draft, fromFork, headSha: SHA, author: 'forker' }),
      getPermission: async (_: unknown, user: string) => roles[user] ?? 'read',
      setCommitStatus: async (
        _: unknown,
        sha: string,
        status: { context: string; state: string; description: string },
      ) => said.push(`status ${sha.slice(0, 7)} ${status.context} ${status.state}: ${status.description}`),
      react: async (_: unknown, id: string, reaction: string) => said.push(`${reaction} ${id}`),
      createComment: async (_: unknown, body: string) => said.push(body),
    }),
  } as unknown as ForgeRegistry;
  const allowances = new Map<string, ForkAllowance>();
  const store = {
    forks: {
      allow: async (key: string, allowance: ForkAllowance) => {
        allowances.set(`${key}@${allowance.headSha}`, allowance);
      },
      get: async (key: string, sha: string) => allowances.get(`${key}@${sha}`),
    },
  };
  const gate = gateJobs(
    async (job) => {
      ran.push(job.kind);
    },
    { rules, forges, logger, store, clock: () => Date.parse('2026-01-02T03:04:05Z') },
  );
  return { gate, ran, logged, rules, said, allowances };
}

const plan = (name: string, trigger: 'autoplan' | 'command' = 'autoplan'): Job => ({
  kind: 'plan',
  pr: pr(name),
  headSha: SHA,
  trigger,
  deliveryId: 'd',
});
const context = { id: 'j', attempt: 1, lastAttempt: true, signal: new AbortController().signal };

describe('gateJobs', () => {
  const S = 'version: 1\nrepos:\n  - id: github.com/acme/infra\n    allowed: true\n';

  it('drops every job of a repository no rule allows, with one log line', async () => {
    const { gate, ran, logged } = setup(S);
    await gate(plan('other'), context as never);
    await gate(
      { kind: 'command', pr: pr('other'), commentId: '1', author: 'x', body: 'sluice plan', deliveryId: 'd' },
      context as never,
    );
    await gate({ kind: 'reconcile', deliveryId: 'd' }, context as never);
    await gate(plan('infra'), context as never);
    expect(ran).toEqual(['reconcile', 'plan']);
    expect(logged).toEqual([
      'ignoring the repository: no repo rule in the server config allows it',
      'ignoring the repository: no repo rule in the server config allows it',
    ]);
  });

  it.each([
    ['autoplan off skips autoplans', `${S}    autoplan: false\n`, false, 'autoplan', []],
    ['autoplan off still runs `sluice plan`', `${S}    autoplan: false\n`, false, 'command', ['plan']],
    ['drafts: skip skips a draft', `${S}    drafts: skip\n`, true, 'autoplan', []],
    ['drafts: skip plans a ready PR', `${S}    drafts: skip\n`, false, 'autoplan', ['plan']],
    ['drafts are planned by default', S, true, 'autoplan', ['plan']],
  ] as const)('%s', async (_, text, draft, trigger, expected) => {
    const { gate, ran } = setup(text, draft);
    await gate(plan('infra', trigger), context as never);
    expect(ran).toEqual(expected);
  });

  const command = (body: string, author = 'x'): Job => ({
    kind: 'command',
    pr: pr('infra'),
    commentId: '9',
    author,
    body,
    deliveryId: 'd',
  });
  const closed: Job = { kind: 'closed', pr: pr('infra'), merged: true, headSha: SHA, deliveryId: 'd' };
  const FORKS_SKIP = `${S}    forks: skip\n`;

  it.each([
    ['forks: skip still closes a fork PR (locks)', FORKS_SKIP, true, closed, ['closed']],
    ['forks: skip plans a PR from a branch', FORKS_SKIP, false, plan('infra'), ['plan']],
    [
      'forks: skip runs commands on a PR from a branch',
      FORKS_SKIP,
      false,
      command('sluice plan'),
      ['command'],
    ],
    ['forks: plan plans a fork PR', `${S}    forks: plan\n`, true, plan('infra'), ['plan']],
    [
      'forks: plan runs commands on a fork PR',
      `${S}    forks: plan\n`,
      true,
      command('sluice apply'),
      ['command'],
    ],
  ] as const)('%s', async (_, text, fromFork, job, expected) => {
    const { gate, ran, said } = setup(text, false, fromFork);
    await gate(job, context as never);
    expect(ran).toEqual(expected);
    expect(said).toEqual([]);
  });

  it.each([
    ['an autoplan', FORKS_SKIP, plan('infra')],
    ['a plan asked for by command', FORKS_SKIP, plan('infra', 'command')],
    ['an autoplan (forks are skipped by default)', S, plan('infra')],
  ])('forks: skip skips %s from a fork and says so in the sluice/plan status', async (_, text, job) => {
    const { gate, ran, said } = setup(text, false, true);
    await gate(job, context as never);
    expect(ran).toEqual([]);
    expect(said).toEqual([
      'status aaaaaaa sluice/plan failure: Not planned: a pull request from a fork is planned once a maintainer comments sluice plan',
    ]);
  });

  it('a maintainer’s `sluice plan` on a fork PR allows its head commit, recorded and said; then it runs', async () => {
    const { gate, ran, said, allowances, logged } = setup(S, false, true, { maint: 'write' });
    await gate(command('sluice plan', 'maint'), context as never);
    expect(ran).toEqual(['command']);
    expect(said).toEqual(['<!-- sluice:reply -->\n@maint allowed planning of fork commit aaaaaaa.']);
    expect([...allowances.values()]).toEqual([{ headSha: SHA, by: 'maint', at: '2026-01-02T03:04:05.000Z' }]);
    expect(logged).toEqual(['a maintainer allowed planning a fork commit']);
    // That commit's autoplans and commands now run.
    await gate(plan('infra'), context as never);
    await gate(command('sluice apply'), context as never);
    expect(ran).toEqual(['command', 'plan', 'command']);
  });

  it.each([
    [
      'its author, even with write access',
      'forker',
      { forker: 'write' },
      /@forker, a pull request from a fork is planned only when a maintainer/,
    ],
    [
      'someone with read access',
      'reader',
      { reader: 'read' },
      /Sorry @reader, only someone with write access/,
    ],
  ])('`sluice plan` on a fork PR by %s allows nothing', async (_, author, roles, answer) => {
    const { gate, ran, said, allowances } = setup(S, false, true, roles);
    await gate(command('sluice plan', author), context as never);
    expect(ran).toEqual([]);
    expect(allowances.size).toBe(0);
    expect(said[0]).toBe('refused 9');
    expect(said[1]).toMatch(answer);
  });

  it('forks: skip still answers `sluice help` on a fork PR', async () => {
    const { gate, ran, said } = setup(FORKS_SKIP, false, true);
    await gate(command('sluice help'), context as never);
    expect(ran).toEqual(['command']);
    expect(said).toEqual([]);
  });

  it('forks: skip answers a command on a fork PR briefly, with one log line, and runs nothing', async () => {
    const { gate, ran, said, logged } = setup(FORKS_SKIP, false, true);
    await gate(command('sluice apply -p prod'), context as never);
    expect(ran).toEqual([]);
    expect(logged).toEqual(['not acting on a pull request from a fork (forks: skip)']);
    expect(said).toEqual([
      'refused 9',
      "<!-- sluice:reply -->\nSluice does not act on this pull request's commit aaaaaaa: it comes from a fork, and no maintainer allowed it. Someone with write access can comment `sluice plan` to allow planning it.",
    ]);
  });

  it('forks: skip leaves `atlantis …` alone when the alias is off (the handler ignores it)', async () => {
    const { gate, ran, said } = setup(`${FORKS_SKIP}    atlantis_alias: false\n`, false, true);
    await gate(command('atlantis plan'), context as never);
    expect(ran).toEqual(['command']);
    expect(said).toEqual([]);
  });

  it('the rules source caches by repository id', () => {
    const { rules } = setup(S);
    const first: RepoRules = rules(pr('infra').repo);
    expect(rules(pr('infra').repo)).toBe(first);
  });
});
