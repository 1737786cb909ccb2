import { Probot } from 'probot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GitHubForge } from '../../../src/forge/github/github-forge.js';
import { GitLabForge } from '../../../src/forge/gitlab/gitlab-forge.js';
import type { RepoRef } from '../../../src/forge/types.js';
import { type FakeGitHub, startFakeGitHub } from '../../fakes/github/fake-github.js';
import { type FakeGitLab, startFakeGitLab } from '../../fakes/gitlab/fake-gitlab.js';

describe('isTeamMember on GitHub (fake validated against the OpenAPI description)', () => {
  let fake: FakeGitHub;
  let forge: GitHubForge;
  const repo: RepoRef = {
    forge: 'github',
    id: '1',
    owner: 'acme',
    name: 'infra',
    fullName: 'acme/infra',
    auth: { installationId: 1 },
  };

  beforeAll(async () => {
    fake = await startFakeGitHub();
    fake.addRepo({ owner: 'acme', name: 'infra', cloneUrl: 'file:///nonexistent' });
    fake.setTeamMember('acme', 'sre', 'alice');
    fake.setTeamMember('acme', 'sre', 'carol', 'pending');
    fake.setTeamMember('acme', 'dba', 'dave');
    const probot = new Probot({ appId: fake.appId, privateKey: fake.privateKeyPem, baseUrl: fake.apiUrl });
    forge = new GitHubForge({ probot });
  });
  afterAll(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  it.each([
    ['an active member of a bare team (the repo owner’s org)', 'sre', 'alice', true],
    ['the same team written org/team', 'acme/sre', 'alice', true],
    ['someone not in the team', 'sre', 'bob', false],
    ['an invitation not yet accepted', 'sre', 'carol', false],
    ['a member of another team', 'sre', 'dave', false],
    ['a team that does not exist', 'ghosts', 'alice', false],
  ])('%s', async (_, team, user, expected) => {
    expect(await forge.isTeamMember(repo, team, user)).toBe(expected);
  });
});

describe('isTeamMember on GitLab (group membership, inherited from parent groups)', () => {
  let fake: FakeGitLab;
  let forge: GitLabForge;
  let repo: RepoRef;

  beforeAll(async () => {
    fake = await startFakeGitLab();
    const project = fake.addProject({ path: 'acme/infra', cloneUrl: 'file:///nonexistent' });
    repo = { forge: 'gitlab', id: String(project.id), owner: 'acme', name: 'infra', fullName: 'acme/infra' };
    fake.setGroupAccess('acme/sre', 'alice', 30);
    fake.setGroupAccess('acme', 'olga', 50);
    fake.setGroupAccess('acme/sre', 'min', 5);
    fake.setMemberAccess('acme/infra', 'bob', 30);
    forge = new GitLabForge({ url: fake.url, token: fake.token, settleDelaysMs: [0, 0, 0] });
  });
  afterAll(async () => {
    fake.assertNoViolations();
    await fake.close();
  });

  it.each([
    ['a member of the subgroup named bare', 'sre', 'alice', true],
    ['the same group by full path', 'acme/sre', 'alice', true],
    ['an owner of the parent group', 'sre', 'olga', true],
    ['a project member outside the group', 'sre', 'bob', false],
    ['minimal access only', 'sre', 'min', false],
    ['a user GitLab does not know', 'sre', 'nobody-at-all', false],
  ])('%s', async (_, team, user, expected) => {
    expect(await forge.isTeamMember(repo, team, user)).toBe(expected);
  });
});
