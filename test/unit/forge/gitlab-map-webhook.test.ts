import { describe, expect, it } from 'vitest';
import { gitlabRepoRef, isoTimestamp, mapGitlabWebhook } from '../../../src/forge/gitlab/map-webhook.js';
import { projectId, userId } from '../../fakes/gitlab/ids.js';
import { mergeRequestHook, noteHook, pushHook } from '../../support/gitlab-webhooks.js';

const PROJECT = 'acme/platform/infra';
const HEAD = 'a'.repeat(40);
const OLD = 'c'.repeat(40);
const MERGE = 'd'.repeat(40);
const repo = {
  forge: 'gitlab',
  id: String(projectId(PROJECT)),
  owner: 'acme/platform',
  name: 'infra',
  fullName: PROJECT,
};
const pr = { repo, number: 7 };
const mr = (options: Partial<Parameters<typeof mergeRequestHook>[0]> = {}) =>
  mergeRequestHook({
    project: PROJECT,
    iid: 7,
    action: 'open',
    headSha: HEAD,
    sourceBranch: 'feature',
    author: 'dev',
    updatedAt: '2025-03-01 10:00:05 UTC',
    ...options,
  });

describe('mapGitlabWebhook: Merge Request Hook', () => {
  it.each([
    ['open', { action: 'open' }, 'opened'],
    ['reopen', { action: 'reopen' }, 'reopened'],
    ['update with new commits', { action: 'update', oldrev: OLD }, 'pushed'],
    [
      'draft marked ready',
      { action: 'update', changes: { draft: { previous: true, current: false } } },
      'ready',
    ],
    [
      'WIP marked ready (older GitLab)',
      { action: 'update', changes: { work_in_progress: { previous: true, current: false } } },
      'ready',
    ],
  ] as const)('%s → pull_request.updated (%s)', (_name, options, reason) => {
    expect(mapGitlabWebhook('Merge Request Hook', mr(options))).toEqual({
      kind: 'pull_request.updated',
      pr,
      reason,
      headSha: HEAD,
      baseSha: '',
      updatedAt: '2025-03-01T10:00:05.000Z',
      draft: false,
      author: 'dev',
    });
  });

  it('reports draft MRs as drafts', () => {
    const event = mapGitlabWebhook('Merge Request Hook', mr({ draft: true }));
    expect(event).toMatchObject({ kind: 'pull_request.updated', draft: true });
  });

  it('names the author only when the author acted', () => {
    const event = mapGitlabWebhook('Merge Request Hook', mr({ action: 'update', oldrev: OLD, actor: 'ops' }));
    expect(event).toMatchObject({ reason: 'pushed', author: '' });
  });

  it.each([
    ['merge', true, MERGE],
    ['close', false, undefined],
  ] as const)('%s → pull_request.closed', (action, merged, mergeSha) => {
    expect(mapGitlabWebhook('Merge Request Hook', mr({ action, mergeCommitSha: MERGE }))).toEqual({
      kind: 'pull_request.closed',
      pr,
      merged,
      headSha: HEAD,
      mergeSha,
      updatedAt: '2025-03-01T10:00:05.000Z',
    });
  });

  it.each([
    ['a title edit', { action: 'update' as const, changes: { title: { previous: 'a', current: 'b' } } }],
    [
      'a draft going back to draft',
      { action: 'update' as const, changes: { draft: { previous: false, current: true } } },
    ],
    ['an approval', { action: 'approval' as const }],
    ['full approval', { action: 'approved' as const }],
    ['an approval withdrawn', { action: 'unapproval' as const }],
    ['approval lost', { action: 'unapproved' as const }],
  ])('ignores %s', (_name, options) => {
    expect(mapGitlabWebhook('Merge Request Hook', mr(options))).toBeUndefined();
  });

  it('ignores an MR without commits (no last_commit)', () => {
    const payload = mr();
    (payload.object_attributes as Record<string, unknown>).last_commit = null;
    expect(mapGitlabWebhook('Merge Request Hook', payload)).toBeUndefined();
  });

  it('refuses a payload that lacks what GitLab always sends', () => {
    const payload = mr();
    delete (payload.object_attributes as Record<string, unknown>).iid;
    expect(() => mapGitlabWebhook('Merge Request Hook', payload)).toThrow(/object_attributes.iid/);
    expect(() => mapGitlabWebhook('Merge Request Hook', { object_kind: 'issue' })).toThrow(
      expect.objectContaining({ code: 'WEBHOOK_PAYLOAD_MALFORMED' }),
    );
  });
});

describe('mapGitlabWebhook: Note Hook', () => {
  const note = (options: Partial<Parameters<typeof noteHook>[0]> = {}) =>
    noteHook({ project: PROJECT, iid: 7, body: 'sluice plan', author: 'dev', noteId: 1244, ...options });

  it('maps a new note on a merge request to comment.created', () => {
    expect(mapGitlabWebhook('Note Hook', note(), { botUserId: userId('sluice-bot') })).toEqual({
      kind: 'comment.created',
      pr,
      commentId: '1244',
      author: 'dev',
      body: 'sluice plan',
    });
  });

  it('takes notes from GitLab before 16.11, which had no action', () => {
    const payload = note();
    delete (payload.object_attributes as Record<string, unknown>).action;
    expect(mapGitlabWebhook('Note Hook', payload)).toMatchObject({ kind: 'comment.created' });
  });

  it.each([
    ["the bot's own note", note({ author: 'sluice-bot' })],
    ['a project access token bot', note({ author: 'project_42_bot_3f2a9c1e' })],
    ['a group access token bot', note({ author: 'group_7_bot' })],
    ['a system note', note({ system: true })],
    ['an edited note', note({ action: 'update' })],
  ])('ignores %s', (_name, payload) => {
    expect(mapGitlabWebhook('Note Hook', payload, { botUserId: userId('sluice-bot') })).toBeUndefined();
  });

  it('ignores notes on issues, commits and snippets', () => {
    const payload = note();
    (payload.object_attributes as Record<string, unknown>).noteable_type = 'Issue';
    delete payload.merge_request;
    expect(mapGitlabWebhook('Note Hook', payload)).toBeUndefined();
  });
});

describe('mapGitlabWebhook: Push Hook and the rest', () => {
  it('maps a deleted branch to branch.deleted', () => {
    const payload = pushHook({ project: PROJECT, branch: 'feature/x', before: HEAD, after: '0'.repeat(40) });
    expect(mapGitlabWebhook('Push Hook', payload)).toEqual({
      kind: 'branch.deleted',
      repo,
      branch: 'feature/x',
    });
  });

  it('ignores ordinary pushes', () => {
    expect(
      mapGitlabWebhook('Push Hook', pushHook({ project: PROJECT, branch: 'x', before: OLD, after: HEAD })),
    ).toBeUndefined();
  });

  it('ignores events Sluice does not use', () => {
    expect(mapGitlabWebhook('Pipeline Hook', { object_kind: 'pipeline' })).toBeUndefined();
    expect(mapGitlabWebhook('Tag Push Hook', { object_kind: 'tag_push' })).toBeUndefined();
  });
});

describe('gitlabRepoRef and isoTimestamp', () => {
  it('splits the full path into namespace and project path', () => {
    expect(gitlabRepoRef({ id: 5, path_with_namespace: 'group/sub/project' })).toEqual({
      forge: 'gitlab',
      id: '5',
      owner: 'group/sub',
      name: 'project',
      fullName: 'group/sub/project',
    });
  });

  it.each([
    ['2015-05-17 18:21:36 UTC', '2015-05-17T18:21:36.000Z'],
    ['2013-12-03T17:23:34Z', '2013-12-03T17:23:34.000Z'],
    ['2022-05-13T07:26:38.402Z', '2022-05-13T07:26:38.402Z'],
    ['2012-01-03T23:36:29+02:00', '2012-01-03T21:36:29.000Z'],
  ])('%s → %s', (given, expected) => {
    expect(isoTimestamp(given)).toBe(expected);
  });

  it('refuses what is not a timestamp', () => {
    expect(() => isoTimestamp('yesterday')).toThrow(/not a timestamp/);
  });
});
