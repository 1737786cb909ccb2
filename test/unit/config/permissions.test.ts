import { describe, expect, it } from 'vitest';
import {
  checkPermission,
  commandTargets,
  decide,
  matchesProject,
  type PermissionFacts,
  requirementsFor,
} from '../../../src/config/permissions.js';
import { type PermissionRules, type Who, writersOnly } from '../../../src/config/rules.js';
import type { Permission } from '../../../src/forge/types.js';

const sre: Who = { users: [], teams: ['sre'] };
const RULES: PermissionRules = {
  plan: { users: [], teams: [], minRole: 'read' },
  apply: writersOnly(),
  unlock: writersOnly(),
  projects: [
    { match: 'prod/**', apply: sre, unlock: sre },
    { match: 'prod/sandbox', apply: writersOnly() },
  ],
};
const p = (dir: string) => ({ name: dir, dir });
const facts = (role: Permission, teams: string[] = []): PermissionFacts => ({ role, teams: new Set(teams) });

describe('decide (pure, given the facts)', () => {
  it.each([
    ['a writer outside sre may apply dev/app', 'apply', [p('dev/app')], facts('write'), true],
    ['a writer outside sre may not apply prod/app', 'apply', [p('prod/app')], facts('write'), false],
    [
      'an sre member may apply prod/app without write access',
      'apply',
      [p('prod/app')],
      facts('read', ['sre']),
      true,
    ],
    ['prod/** covers prod itself', 'apply', [p('prod')], facts('admin'), false],
    [
      'a later, narrower entry wins: prod/sandbox is for writers',
      'apply',
      [p('prod/sandbox')],
      facts('write'),
      true,
    ],
    [
      'one forbidden project refuses the whole command',
      'apply',
      [p('dev/app'), p('prod/app')],
      facts('write'),
      false,
    ],
    ['entries without the command fall back to the repo rule', 'plan', [p('prod/app')], facts('read'), true],
    ['a reader may not apply dev/app', 'apply', [p('dev/app')], facts('read'), false],
    ['unlock follows its own entry', 'unlock', [p('prod/db')], facts('write', ['dba']), false],
    ['no projects: the repo rule alone', 'apply', [], facts('write'), true],
    ['prodx is not under prod/', 'apply', [p('prodx/app')], facts('write'), true],
  ] as const)('%s', (_, command, projects, known, allowed) => {
    expect(decide(command, projects, RULES, 'bob', known).allowed).toBe(allowed);
  });

  it('users are matched by name, without case', () => {
    const rules = { ...RULES, apply: { users: ['Alice'], teams: [] } };
    expect(decide('apply', [], rules, 'alice', facts('none')).allowed).toBe(true);
    expect(decide('apply', [], rules, 'mallory', facts('admin')).allowed).toBe(false);
  });

  it('says who may, naming the projects a project entry guards', () => {
    const decision = decide(
      'apply',
      [p('dev/app'), p('prod/app'), p('prod/db')],
      RULES,
      'bob',
      facts('read'),
    );
    expect(decision).toEqual({
      allowed: false,
      denied: [
        { who: writersOnly(), projects: [] },
        { who: sre, projects: ['prod/app', 'prod/db'] },
      ],
      message: [
        'Sorry @bob, you may not run this:',
        '',
        '- `sluice apply` needs write access to this repository.',
        '- `sluice apply` on `prod/app`, `prod/db` is for members of team `sre`.',
        '',
        'Ask one of them to run it.',
      ].join('\n'),
    });
  });

  it("keeps today's message when only the role counts", () => {
    expect(decide('unlock', [], RULES, 'eve', facts('read'))).toMatchObject({
      message:
        'Sorry @eve, `sluice unlock` needs write access to this repository. Ask a maintainer to run it.',
    });
    const mixed = { ...RULES, apply: { users: ['alice'], teams: ['acme/ops'], minRole: 'admin' as const } };
    expect(decide('apply', [], mixed, 'eve', facts('write'))).toMatchObject({
      message:
        'Sorry @eve, `sluice apply` is for @alice, members of team `acme/ops` or people with admin access to this repository. Ask one of them to run it.',
    });
  });
});

describe('checkPermission (asks the forge only what it must)', () => {
  async function run(
    command: 'plan' | 'apply' | 'unlock',
    dirs: string[],
    role: Permission,
    teams: string[],
  ) {
    const asked: string[] = [];
    const decision = await checkPermission({
      command,
      projects: dirs.map(p),
      rules: RULES,
      user: 'bob',
      role: async () => {
        asked.push('role');
        return role;
      },
      isTeamMember: async (team) => {
        asked.push(`team:${team}`);
        return teams.includes(team);
      },
    });
    return { allowed: decision.allowed, asked };
  }

  it.each([
    ['dev only: the role, no team lookups', 'apply', ['dev/app'], 'write', [], true, ['role']],
    [
      'prod: the role is not enough, the team is asked',
      'apply',
      ['prod/app'],
      'write',
      ['sre'],
      true,
      ['team:sre'],
    ],
    ['prod, not in sre', 'apply', ['prod/app'], 'admin', [], false, ['team:sre']],
    [
      'mixed: role for dev, team for prod',
      'apply',
      ['dev/app', 'prod/app'],
      'write',
      ['sre'],
      true,
      ['role', 'team:sre'],
    ],
  ] as const)('%s', async (_, command, dirs, role, teams, allowed, asked) => {
    expect(await run(command, [...dirs], role, [...teams])).toEqual({ allowed, asked });
  });

  it('a listed user needs no lookup at all', async () => {
    const asked: string[] = [];
    const decision = await checkPermission({
      command: 'apply',
      projects: [],
      rules: { ...RULES, apply: { users: ['bob'], teams: ['sre'], minRole: 'write' } },
      user: 'bob',
      role: async () => {
        asked.push('role');
        return 'none';
      },
      isTeamMember: async () => {
        asked.push('team');
        return false;
      },
    });
    expect([decision.allowed, asked]).toEqual([true, []]);
  });
});

describe('commandTargets and matchesProject', () => {
  const planned = [
    { name: 'dev/app', dir: 'dev/app', workspace: 'default' },
    { name: 'prod/app', dir: 'prod/app', workspace: 'default' },
    { name: 'prod/app:blue', dir: 'prod/app', workspace: 'blue' },
  ];
  it.each([
    ['no flags: every planned project', {}, ['dev/app', 'prod/app', 'prod/app:blue']],
    ['-p picks by name', { project: 'prod/app:blue' }, ['prod/app:blue']],
    ['-d picks every workspace of the dir', { dir: 'prod/app' }, ['prod/app', 'prod/app:blue']],
    ['-d -w picks one', { dir: 'prod/app', workspace: 'blue' }, ['prod/app:blue']],
    ['-d of a folder not planned yet still counts', { dir: 'prod/new' }, ['prod/new']],
    ['-p of an unknown name: nothing (the repo rule)', { project: 'ghost' }, []],
  ])('%s', (_, target, names) => {
    expect(commandTargets(planned, target).map((t) => t.name)).toEqual(names);
  });

  it.each([
    ['prod/**', 'prod', true],
    ['prod/**', 'prod/a/b', true],
    ['prod/*', 'prod/a/b', false],
    ['*/app', 'prod/app', true],
    ['prod', 'prod/app', false],
  ])('%s covers %s: %s', (match, dir, expected) => {
    expect(matchesProject(match, dir)).toBe(expected);
  });

  it('groups projects by the set they need', () => {
    expect(requirementsFor('apply', [p('prod/a'), p('dev/b'), p('prod/c')], RULES)).toEqual([
      { who: sre, projects: ['prod/a', 'prod/c'] },
      { who: writersOnly(), projects: [] },
    ]);
  });
});
