import type { Permission } from '../forge/types.js';
import { globToRegExp } from '../projects/glob.js';
import type { GuardedCommand, PermissionRules, Role, Who } from './rules.js';

/** A project a command acts on, as far as permissions care. */
export interface PermissionTarget {
  name: string;
  dir: string;
}

/** One set of people the command needs, and the projects that need it (none: the repository as a whole). */
export interface Requirement {
  who: Who;
  projects: string[];
}

/** What is known about the user: their role on the repo, and the teams asked about that they are in. */
export interface PermissionFacts {
  role: Permission;
  teams: ReadonlySet<string>;
}

export type PermissionDecision =
  | { allowed: true }
  | { allowed: false; denied: Requirement[]; message: string };

const RANK: Record<Permission, number> = { none: 0, read: 1, write: 2, admin: 3 };

/**
 * The projects a command acts on, for permissions: the PR's planned projects, narrowed by `-p`, `-d`
 * and `-w`. A folder named with `-d` that was not planned yet still counts (by its dir).
 */
export function commandTargets(
  planned: ReadonlyArray<{ name: string; dir: string; workspace: string }>,
  target: { project?: string; dir?: string; workspace?: string } = {},
): PermissionTarget[] {
  const picked = planned.filter((p) =>
    target.project !== undefined
      ? p.name === target.project
      : (target.dir === undefined || p.dir === target.dir) &&
        (target.workspace === undefined || p.workspace === target.workspace),
  );
  if (picked.length > 0 || target.dir === undefined) return picked.map(({ name, dir }) => ({ name, dir }));
  return [{ name: target.dir, dir: target.dir }];
}

/** Whether a project entry's glob covers a dir: `prod/**` covers `prod` and everything below it. */
export function matchesProject(match: string, dir: string): boolean {
  const regex = globToRegExp(match);
  return regex.test(dir) || regex.test(`${dir}/`);
}

/**
 * Who a command needs, project by project: the last `permissions.projects` entry whose `match` covers
 * the project's dir and sets this command, else the repository's rule. Projects needing the same
 * people are grouped (named only under a project entry); with no projects, the repository's rule alone.
 */
export function requirementsFor(
  command: GuardedCommand,
  projects: readonly PermissionTarget[],
  rules: PermissionRules,
): Requirement[] {
  if (projects.length === 0) return [{ who: rules[command], projects: [] }];
  const groups: Requirement[] = [];
  for (const project of projects) {
    let who = rules[command];
    for (const entry of rules.projects) {
      const set = entry[command];
      if (set && matchesProject(entry.match, project.dir)) who = set;
    }
    // The repository's own rule is about the command, not these projects: name none.
    const names = who === rules[command] ? [] : [project.name];
    const group = groups.find((g) => g.who === who);
    if (group) group.projects.push(...names);
    else groups.push({ who, projects: names });
  }
  return groups;
}

/** Whether the facts put the user in the set: listed by name, in a listed team, or with the role. */
export function isIn(who: Who, user: string, facts: PermissionFacts): boolean {
  const lower = user.toLowerCase();
  if (who.users.some((u) => u.toLowerCase() === lower)) return true;
  if (who.teams.some((t) => facts.teams.has(t))) return true;
  return who.minRole !== undefined && RANK[facts.role] >= RANK[who.minRole];
}

/** The pure decision, given every fact it needs. */
export function decide(
  command: GuardedCommand,
  projects: readonly PermissionTarget[],
  rules: PermissionRules,
  user: string,
  facts: PermissionFacts,
): PermissionDecision {
  const denied = requirementsFor(command, projects, rules).filter((r) => !isIn(r.who, user, facts));
  if (denied.length === 0) return { allowed: true };
  return { allowed: false, denied, message: deniedMessage(command, user, denied) };
}

/**
 * The decision with the forge asked only what it must: names first, then the role (only if a set
 * grants by role), then team membership (only for the teams that could still let the user in).
 */
export async function checkPermission(input: {
  command: GuardedCommand;
  projects: readonly PermissionTarget[];
  rules: PermissionRules;
  user: string;
  role: () => Promise<Permission>;
  isTeamMember: (team: string) => Promise<boolean>;
}): Promise<PermissionDecision> {
  const requirements = requirementsFor(input.command, input.projects, input.rules);
  const facts: { role: Permission; teams: Set<string> } = { role: 'none', teams: new Set() };
  const lower = input.user.toLowerCase();
  const open = requirements.filter((r) => !r.who.users.some((u) => u.toLowerCase() === lower));
  if (open.some((r) => r.who.minRole !== undefined)) facts.role = await input.role();
  const asked = new Set<string>();
  for (const requirement of open) {
    if (isIn(requirement.who, input.user, facts)) continue;
    for (const team of requirement.who.teams) {
      if (asked.has(team)) continue;
      asked.add(team);
      if (await input.isTeamMember(team)) {
        facts.teams.add(team);
        break;
      }
    }
  }
  return decide(input.command, input.projects, input.rules, input.user, facts);
}

function describeWho(who: Who): string {
  const parts = [
    ...who.users.map((u) => `@${u}`),
    ...who.teams.map((t) => `members of team \`${t}\``),
    ...(who.minRole ? [`people with ${roleWords(who.minRole)} access to this repository`] : []),
  ];
  if (parts.length === 0) return 'nobody';
  if (parts.length === 1) return parts[0] as string;
  return `${parts.slice(0, -1).join(', ')} or ${parts.at(-1)}`;
}

function roleWords(role: Role): string {
  return role === 'read' ? 'read' : role === 'write' ? 'write' : 'admin';
}

/** Markdown for the PR reply: who may run the command on which projects. */
export function deniedMessage(command: GuardedCommand, user: string, denied: Requirement[]): string {
  const sentence = (r: Requirement) => {
    const what =
      r.projects.length === 0
        ? `\`sluice ${command}\``
        : `\`sluice ${command}\` on ${r.projects.map((p) => `\`${p}\``).join(', ')}`;
    const roleOnly = r.who.users.length === 0 && r.who.teams.length === 0 && r.who.minRole;
    return roleOnly
      ? `${what} needs ${roleWords(r.who.minRole as Role)} access to this repository.`
      : `${what} is for ${describeWho(r.who)}.`;
  };
  const roleOnly = denied.every((r) => r.who.users.length === 0 && r.who.teams.length === 0);
  const ask = roleOnly ? 'Ask a maintainer to run it.' : 'Ask one of them to run it.';
  if (denied.length === 1) return `Sorry @${user}, ${sentence(denied[0] as Requirement)} ${ask}`;
  return [
    `Sorry @${user}, you may not run this:`,
    '',
    ...denied.map((r) => `- ${sentence(r)}`),
    '',
    ask,
  ].join('\n');
}
