/**
 * What the GitHub adapter asks of GitHub, and the App permission each request needs (from GitHub's
 * "Permissions required for GitHub Apps" page). app.yml requests exactly the union of these, and
 * test/unit/forge/github-permissions.test.ts keeps the three in step: every `octokit.rest.*` call in
 * github-forge.ts is listed here, and app.yml asks for nothing else. docs/github-app.md explains each.
 */
export type GithubPermission = 'contents' | 'pull_requests' | 'issues' | 'statuses' | 'members' | 'metadata';
export type GithubAccess = 'read' | 'write';

export interface GithubApiCall {
  /** Octokit's method, `octokit.rest.<scope>.<name>`. */
  method: string;
  /** The REST route, as in GitHub's OpenAPI description. */
  route: string;
  permission: GithubPermission;
  access: GithubAccess;
  /** What Sluice does with it. */
  why: string;
}

export const GITHUB_API_CALLS: readonly GithubApiCall[] = [
  {
    method: 'pulls.get',
    route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}',
    permission: 'pull_requests',
    access: 'read',
    why: 'read the pull request: head and base commits, state, draft, mergeability',
  },
  {
    method: 'pulls.listFiles',
    route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/files',
    permission: 'pull_requests',
    access: 'read',
    why: 'find the projects a pull request changes',
  },
  {
    method: 'pulls.listReviews',
    route: 'GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews',
    permission: 'pull_requests',
    access: 'read',
    why: 'the `approved` apply requirement',
  },
  {
    method: 'pulls.merge',
    route: 'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge',
    permission: 'contents',
    access: 'write',
    why: 'SLUICE_AUTOMERGE: merge once every project is applied',
  },
  {
    method: 'repos.get',
    route: 'GET /repos/{owner}/{repo}',
    permission: 'metadata',
    access: 'read',
    why: 'default branch and clone URL',
  },
  {
    method: 'git.getRef',
    route: 'GET /repos/{owner}/{repo}/git/ref/{ref}',
    permission: 'contents',
    access: 'read',
    why: "the default branch's commit (rules and dbt state come from it)",
  },
  {
    method: 'repos.createCommitStatus',
    route: 'POST /repos/{owner}/{repo}/statuses/{sha}',
    permission: 'statuses',
    access: 'write',
    why: 'the sluice/plan and sluice/apply statuses',
  },
  {
    method: 'repos.getCombinedStatusForRef',
    route: 'GET /repos/{owner}/{repo}/commits/{ref}/status',
    permission: 'statuses',
    access: 'read',
    why: 'the `mergeable` apply requirement judges the other statuses',
  },
  {
    method: 'repos.getCollaboratorPermissionLevel',
    route: 'GET /repos/{owner}/{repo}/collaborators/{username}/permission',
    permission: 'metadata',
    access: 'read',
    why: 'only users with write access may plan, apply, unlock or roll back',
  },
  {
    method: 'issues.listComments',
    route: 'GET /repos/{owner}/{repo}/issues/{issue_number}/comments',
    permission: 'issues',
    access: 'read',
    why: "find Sluice's own comment to edit it",
  },
  {
    method: 'issues.createComment',
    route: 'POST /repos/{owner}/{repo}/issues/{issue_number}/comments',
    permission: 'issues',
    access: 'write',
    why: 'post the plan comment and command replies',
  },
  {
    method: 'issues.updateComment',
    route: 'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}',
    permission: 'issues',
    access: 'write',
    why: 'edit the plan comment on every run',
  },
  {
    method: 'issues.deleteComment',
    route: 'DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}',
    permission: 'issues',
    access: 'write',
    why: 'remove parts of a comment that got shorter',
  },
  {
    method: 'reactions.createForIssueComment',
    route: 'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions',
    permission: 'issues',
    access: 'write',
    why: 'react 👀 to a command it accepts',
  },
  {
    method: 'teams.getMembershipForUserInOrg',
    route: 'GET /orgs/{org}/teams/{team_slug}/memberships/{username}',
    permission: 'members',
    access: 'read',
    why: 'command permissions by team (`teams:` in the server config)',
  },
];

/** `git fetch` over HTTPS with the installation token (cloneAccess). */
export const GITHUB_CLONE: Pick<GithubApiCall, 'permission' | 'access' | 'why'> = {
  permission: 'contents',
  access: 'read',
  why: 'fetch the pull request commit into a mirror to plan it',
};

/** The webhook events Sluice acts on, and the permission GitHub requires to subscribe to each. */
export const GITHUB_EVENTS: readonly { event: string; permission: GithubPermission; why: string }[] = [
  {
    event: 'pull_request',
    permission: 'pull_requests',
    why: 'plan on open, push and ready-for-review; apply on merge; release on close',
  },
  {
    event: 'issue_comment',
    permission: 'issues',
    why: 'comment commands (`sluice plan`, `sluice apply`, …)',
  },
  { event: 'push', permission: 'contents', why: "a deleted branch's locks are released" },
];

/** The least permissions that cover every call above: the higher access wins; metadata is always read. */
export function requiredGithubPermissions(): Record<GithubPermission, GithubAccess> {
  const out: Partial<Record<GithubPermission, GithubAccess>> = { metadata: 'read' };
  for (const need of [
    ...GITHUB_API_CALLS,
    GITHUB_CLONE,
    ...GITHUB_EVENTS.map((e) => ({ ...e, access: 'read' as const })),
  ]) {
    if (out[need.permission] !== 'write') out[need.permission] = need.access;
  }
  return out as Record<GithubPermission, GithubAccess>;
}
