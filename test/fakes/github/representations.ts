/**
 * GitHub's JSON representations of the fake's state, shaped like the real API's answers
 * (every object is checked against the official schema before it is sent).
 */
import { blobSha, nodeId, stableId, timestamp } from './ids.js';
import type {
  CommentRecord,
  PermissionLevel,
  PullFile,
  PullRecord,
  ReactionRecord,
  RepoRecord,
  ReviewRecord,
  StatusRecord,
} from './state.js';

/** Where the fake is reachable: `web` is the GitHub Enterprise host, `api` its REST root (`web` + /api/v3). */
export interface Urls {
  web: string;
  api: string;
}

export type UserType = 'User' | 'Bot' | 'Organization';

/** The GitHub App's bot account, the author of everything Sluice posts. */
export const BOT_LOGIN = 'sluice-test[bot]';

export function simpleUser(
  urls: Urls,
  login: string,
  type: UserType = login.endsWith('[bot]') ? 'Bot' : 'User',
) {
  const id = stableId(`user:${login.toLowerCase()}`);
  const name = encodeURIComponent(login);
  const api = `${urls.api}/users/${name}`;
  return {
    login,
    id,
    node_id: nodeId(type === 'Bot' ? 'BOT' : type === 'Organization' ? 'O' : 'U', id),
    avatar_url: `${urls.web}/avatars/u/${id}?v=4`,
    gravatar_id: '',
    url: api,
    html_url:
      type === 'Bot'
        ? `${urls.web}/apps/${encodeURIComponent(login.replace(/\[bot\]$/, ''))}`
        : `${urls.web}/${name}`,
    followers_url: `${api}/followers`,
    following_url: `${api}/following{/other_user}`,
    gists_url: `${api}/gists{/gist_id}`,
    starred_url: `${api}/starred{/owner}{/repo}`,
    subscriptions_url: `${api}/subscriptions`,
    organizations_url: `${api}/orgs`,
    repos_url: `${api}/repos`,
    events_url: `${api}/events{/privacy}`,
    received_events_url: `${api}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** The "Repository" object embedded in pull requests. */
export function repository(urls: Urls, repo: RepoRecord) {
  const full = `${repo.owner}/${repo.name}`;
  const api = `${urls.api}/repos/${full}`;
  const host = new URL(urls.web).host;
  return {
    id: repo.id,
    node_id: nodeId('R', repo.id),
    name: repo.name,
    full_name: full,
    private: false,
    owner: simpleUser(urls, repo.owner),
    html_url: `${urls.web}/${full}`,
    description: null,
    fork: false,
    url: api,
    forks_url: `${api}/forks`,
    keys_url: `${api}/keys{/key_id}`,
    collaborators_url: `${api}/collaborators{/collaborator}`,
    teams_url: `${api}/teams`,
    hooks_url: `${api}/hooks`,
    issue_events_url: `${api}/issues/events{/number}`,
    events_url: `${api}/events`,
    assignees_url: `${api}/assignees{/user}`,
    branches_url: `${api}/branches{/branch}`,
    tags_url: `${api}/tags`,
    blobs_url: `${api}/git/blobs{/sha}`,
    git_tags_url: `${api}/git/tags{/sha}`,
    git_refs_url: `${api}/git/refs{/sha}`,
    trees_url: `${api}/git/trees{/sha}`,
    statuses_url: `${api}/statuses/{sha}`,
    languages_url: `${api}/languages`,
    stargazers_url: `${api}/stargazers`,
    contributors_url: `${api}/contributors`,
    subscribers_url: `${api}/subscribers`,
    subscription_url: `${api}/subscription`,
    commits_url: `${api}/commits{/sha}`,
    git_commits_url: `${api}/git/commits{/sha}`,
    comments_url: `${api}/comments{/number}`,
    issue_comment_url: `${api}/issues/comments{/number}`,
    contents_url: `${api}/contents/{+path}`,
    compare_url: `${api}/compare/{base}...{head}`,
    merges_url: `${api}/merges`,
    archive_url: `${api}/{archive_format}{/ref}`,
    downloads_url: `${api}/downloads`,
    issues_url: `${api}/issues{/number}`,
    pulls_url: `${api}/pulls{/number}`,
    milestones_url: `${api}/milestones{/number}`,
    notifications_url: `${api}/notifications{?since,all,participating}`,
    labels_url: `${api}/labels{/name}`,
    releases_url: `${api}/releases{/id}`,
    deployments_url: `${api}/deployments`,
    created_at: repo.createdAt,
    updated_at: repo.createdAt,
    pushed_at: repo.createdAt,
    git_url: `git://${host}/${full}.git`,
    ssh_url: `git@${host}:${full}.git`,
    // Tests point this at a local repository (often file://); Sluice clones whatever GitHub reports.
    clone_url: repo.cloneUrl,
    svn_url: `${urls.web}/${full}`,
    homepage: null,
    size: 0,
    stargazers_count: 0,
    watchers_count: 0,
    language: 'HCL',
    has_issues: true,
    has_projects: false,
    has_downloads: true,
    has_wiki: false,
    has_pages: false,
    has_discussions: false,
    forks_count: 0,
    mirror_url: null,
    archived: false,
    disabled: false,
    open_issues_count: 0,
    license: null,
    allow_forking: true,
    is_template: false,
    web_commit_signoff_required: false,
    topics: [],
    visibility: 'public',
    forks: 0,
    open_issues: 0,
    watchers: 0,
    default_branch: repo.defaultBranch,
  };
}

/** `GET /repos/{owner}/{repo}`: the "Full Repository", as an installation token sees it. */
export function fullRepository(urls: Urls, repo: RepoRecord) {
  return {
    ...repository(urls, repo),
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    subscribers_count: 0,
    network_count: 0,
  };
}

/** `GET /repos/{owner}/{repo}/git/ref/{ref}`: a "Git Reference" (`refs/heads/main`) to a commit. */
export function gitRef(urls: Urls, repo: RepoRecord, ref: string, sha: string) {
  const api = `${urls.api}/repos/${repo.owner}/${repo.name}`;
  return {
    ref,
    node_id: nodeId('REF', stableId(`ref:${repo.owner}/${repo.name}:${ref}`)),
    url: `${api}/git/${encodePath(ref)}`,
    object: { type: 'commit', sha, url: `${api}/git/commits/${sha}` },
  };
}

export function pullRequest(urls: Urls, pull: PullRecord) {
  const full = `${pull.repo.owner}/${pull.repo.name}`;
  const api = `${urls.api}/repos/${full}`;
  const html = `${urls.web}/${full}/pull/${pull.number}`;
  const repo = repository(urls, pull.repo);
  const owner = simpleUser(urls, pull.repo.owner);
  const branch = (ref: { ref: string; sha: string }, fork?: string) => ({
    label: `${fork ?? pull.repo.owner}:${ref.ref}`,
    ref: ref.ref,
    sha: ref.sha,
    user: fork ? simpleUser(urls, fork) : owner,
    repo: fork
      ? {
          ...repository(urls, {
            ...pull.repo,
            owner: fork,
            id: stableId(`repo:${fork}/${pull.repo.name}`),
            cloneUrl: pull.forkCloneUrl ?? pull.repo.cloneUrl,
          }),
          fork: true,
        }
      : repo,
  });
  const links = {
    self: `${api}/pulls/${pull.number}`,
    html,
    issue: `${api}/issues/${pull.number}`,
    comments: `${api}/issues/${pull.number}/comments`,
    review_comments: `${api}/pulls/${pull.number}/comments`,
    review_comment: `${api}/pulls/comments{/number}`,
    commits: `${api}/pulls/${pull.number}/commits`,
    statuses: `${api}/statuses/${pull.head.sha}`,
  };
  const counts = pull.files.map(lineCounts);
  return {
    url: links.self,
    id: pull.id,
    node_id: nodeId('PR', pull.id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: links.issue,
    commits_url: links.commits,
    review_comments_url: links.review_comments,
    review_comment_url: links.review_comment,
    comments_url: links.comments,
    statuses_url: links.statuses,
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: simpleUser(urls, pull.author),
    body: null,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(pull.head, pull.forkOwner),
    base: branch(pull.base),
    _links: Object.fromEntries(Object.entries(links).map(([name, href]) => [name, { href }])),
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: pull.draft,
    merged: pull.merged,
    mergeable: pull.state === 'open' ? true : null,
    rebaseable: pull.state === 'open' ? true : null,
    mergeable_state: pull.state === 'open' ? 'clean' : 'unknown',
    merged_by: pull.merged ? owner : null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: counts.reduce((sum, c) => sum + c.additions, 0),
    deletions: counts.reduce((sum, c) => sum + c.deletions, 0),
    changed_files: pull.files.length,
  };
}

/** The fake has no file contents for diffs; one line per side is plausible enough. */
function lineCounts(file: PullFile): { additions: number; deletions: number } {
  const additions = file.status === 'added' || file.status === 'modified' ? 1 : 0;
  const deletions = file.status === 'removed' || file.status === 'modified' ? 1 : 0;
  return { additions, deletions };
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

export function diffEntry(urls: Urls, pull: PullRecord, file: PullFile) {
  const full = `${pull.repo.owner}/${pull.repo.name}`;
  const { additions, deletions } = lineCounts(file);
  const path = encodePath(file.filename);
  return {
    sha: blobSha(Buffer.from(`${pull.head.sha}:${file.filename}`)),
    filename: file.filename,
    status: file.status,
    additions,
    deletions,
    changes: additions + deletions,
    blob_url: `${urls.web}/${full}/blob/${pull.head.sha}/${path}`,
    raw_url: `${urls.web}/${full}/raw/${pull.head.sha}/${path}`,
    contents_url: `${urls.api}/repos/${full}/contents/${path}?ref=${pull.head.sha}`,
    ...(file.previous_filename ? { previous_filename: file.previous_filename } : {}),
  };
}

export function issueComment(urls: Urls, comment: CommentRecord) {
  const full = `${comment.repo.owner}/${comment.repo.name}`;
  return {
    id: comment.id,
    node_id: nodeId('IC', comment.id),
    url: `${urls.api}/repos/${full}/issues/comments/${comment.id}`,
    html_url: `${urls.web}/${full}/pull/${comment.number}#issuecomment-${comment.id}`,
    body: comment.body,
    user: simpleUser(urls, comment.user),
    created_at: comment.created_at,
    updated_at: comment.updated_at,
    issue_url: `${urls.api}/repos/${full}/issues/${comment.number}`,
    author_association: 'NONE',
  };
}

export function review(urls: Urls, record: ReviewRecord) {
  const full = `${record.pull.repo.owner}/${record.pull.repo.name}`;
  const html = `${urls.web}/${full}/pull/${record.pull.number}#pullrequestreview-${record.id}`;
  const pullUrl = `${urls.api}/repos/${full}/pulls/${record.pull.number}`;
  return {
    id: record.id,
    node_id: nodeId('PRR', record.id),
    user: simpleUser(urls, record.user),
    body: record.body,
    state: record.state,
    html_url: html,
    pull_request_url: pullUrl,
    _links: { html: { href: html }, pull_request: { href: pullUrl } },
    submitted_at: record.submittedAt,
    commit_id: record.commitId,
    author_association: 'COLLABORATOR',
  };
}

export function commitStatus(urls: Urls, repo: RepoRecord, status: StatusRecord) {
  const creator = simpleUser(urls, BOT_LOGIN);
  return {
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/statuses/${status.sha}`,
    avatar_url: creator.avatar_url,
    id: status.id,
    node_id: nodeId('SC', status.id),
    state: status.state,
    description: status.description,
    target_url: status.target_url,
    context: status.context,
    created_at: status.created_at,
    updated_at: status.created_at,
    creator,
  };
}

/** GitHub's combined status: failure if any latest status failed, pending if any is pending, else success. */
export function combinedStatus(urls: Urls, repo: RepoRecord, sha: string, statuses: StatusRecord[]) {
  const latest = [...new Map(statuses.map((s) => [s.context, s])).values()];
  const states = new Set(latest.map((s) => s.state));
  const state =
    states.has('failure') || states.has('error')
      ? 'failure'
      : states.has('pending') || latest.length === 0
        ? 'pending'
        : 'success';
  return {
    state,
    statuses: latest.map((s) => {
      const { creator: _creator, ...rest } = commitStatus(urls, repo, s);
      return rest;
    }),
    sha,
    total_count: latest.length,
    repository: repository(urls, repo),
    commit_url: `${urls.api}/repos/${repo.owner}/${repo.name}/commits/${sha}`,
    url: `${urls.api}/repos/${repo.owner}/${repo.name}/commits/${sha}/status`,
  };
}

export function reaction(urls: Urls, record: ReactionRecord) {
  return {
    id: record.id,
    node_id: nodeId('REA', record.id),
    user: simpleUser(urls, record.user),
    content: record.content,
    created_at: record.created_at,
  };
}

const ROLE_PERMISSIONS: Record<
  PermissionLevel,
  { pull: boolean; triage: boolean; push: boolean; maintain: boolean; admin: boolean }
> = {
  admin: { pull: true, triage: true, push: true, maintain: true, admin: true },
  write: { pull: true, triage: true, push: true, maintain: false, admin: false },
  read: { pull: true, triage: false, push: false, maintain: false, admin: false },
  none: { pull: false, triage: false, push: false, maintain: false, admin: false },
};

export function collaboratorPermission(urls: Urls, login: string, level: PermissionLevel) {
  const role = level === 'none' ? '' : level;
  return {
    permission: level,
    role_name: role,
    user: { ...simpleUser(urls, login), permissions: ROLE_PERMISSIONS[level], role_name: role },
  };
}

export function contentFile(urls: Urls, repo: RepoRecord, ref: string, path: string, content: Buffer) {
  const full = `${repo.owner}/${repo.name}`;
  const sha = blobSha(content);
  const self = `${urls.api}/repos/${full}/contents/${encodePath(path)}?ref=${encodeURIComponent(ref)}`;
  const git = `${urls.api}/repos/${full}/git/blobs/${sha}`;
  const html = `${urls.web}/${full}/blob/${encodeURIComponent(ref)}/${encodePath(path)}`;
  return {
    type: 'file',
    encoding: 'base64',
    size: content.length,
    name: path.split('/').pop() ?? path,
    path,
    // GitHub wraps the base64 at 60 characters.
    content: `${content.toString('base64').replace(/.{60}/g, '$&\n')}\n`,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url: `${urls.web}/${full}/raw/${encodeURIComponent(ref)}/${encodePath(path)}`,
    _links: { self, git, html },
  };
}

/** Permissions every test installation holds: what app.yml asks for. */
const INSTALLATION_PERMISSIONS = {
  checks: 'write',
  contents: 'read',
  issues: 'write',
  members: 'read',
  metadata: 'read',
  pull_requests: 'write',
  statuses: 'write',
} as const;

export function installationToken(token: string, expiresAt: Date) {
  return {
    token,
    expires_at: timestamp(expiresAt),
    permissions: INSTALLATION_PERMISSIONS,
    repository_selection: 'all',
  };
}

/** GitHub's error body; `errors` for 422 "Validation Failed". */
export function errorBody(message: string, documentationUrl: string, errors?: Array<Record<string, string>>) {
  return { message, documentation_url: documentationUrl, ...(errors ? { errors } : {}) };
}
