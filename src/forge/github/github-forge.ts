import type { Probot, ProbotOctokit } from 'probot';
import { SluiceError } from '../../errors.js';
import type {
  Approval,
  BranchHead,
  ChangedFile,
  CloneAccess,
  Comment,
  CommitStatus,
  Forge,
  ForgeCapabilities,
  Mergeability,
  Permission,
  PullRequest,
  PullRequestRef,
  Reaction,
  RepoRef,
} from '../types.js';
import { GITHUB } from './map-webhook.js';

/** GitHub's limit for issue comment bodies. */
const MAX_COMMENT_LENGTH = 65_536;
/** GitHub truncates nothing: it rejects status descriptions over 140 characters. */
const MAX_STATUS_DESCRIPTION = 140;

/**
 * Whether a pull request's head lives outside its base repository: in a fork, or in a repository that
 * was deleted since (GitHub then sends `head.repo: null`, whatever its schema says). Names compare
 * without case, as GitHub treats them.
 */
export function isFork(head: { full_name: string } | null | undefined, base: { full_name: string }): boolean {
  return !head || head.full_name.toLowerCase() !== base.full_name.toLowerCase();
}

const FILE_STATUS: Record<string, ChangedFile['status']> = {
  added: 'added',
  removed: 'removed',
  modified: 'modified',
  renamed: 'renamed',
  copied: 'added',
  changed: 'modified',
  unchanged: 'modified',
};

/** The GitHub adapter: Probot installation auth, REST calls through its Octokit. */
export class GitHubForge implements Forge {
  readonly kind = GITHUB;
  readonly capabilities: ForgeCapabilities = {
    maxCommentLength: MAX_COMMENT_LENGTH,
    mermaid: true,
    changeRequest: { noun: 'pull request', short: 'PR', prefix: '#' },
  };
  readonly #probot: Probot;

  constructor(options: { probot: Probot }) {
    this.#probot = options.probot;
  }

  async #octokit(repo: RepoRef): Promise<ProbotOctokit> {
    const installationId = repo.auth?.installationId;
    if (typeof installationId !== 'number') {
      throw new SluiceError('JOB_INVALID', `no GitHub App installation is known for ${repo.fullName}`);
    }
    return this.#probot.auth(installationId);
  }

  async #call<T>(repo: RepoRef, what: string, fn: (octokit: ProbotOctokit) => Promise<T>): Promise<T> {
    const octokit = await this.#octokit(repo);
    try {
      return await fn(octokit);
    } catch (error) {
      const status = (error as { status?: number }).status;
      throw new SluiceError(
        'FORGE_REQUEST_FAILED',
        `GitHub refused to ${what} on ${repo.fullName}${status ? ` (HTTP ${status})` : ''}: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  getPullRequest(pr: PullRequestRef): Promise<PullRequest> {
    const { owner, name } = pr.repo;
    return this.#call(pr.repo, 'read the pull request', async (octokit) => {
      const { data } = await octokit.rest.pulls.get({ owner, repo: name, pull_number: pr.number });
      return {
        ref: pr,
        title: data.title,
        author: data.user.login,
        url: data.html_url,
        state: data.merged_at ? 'merged' : data.state === 'open' ? 'open' : 'closed',
        draft: data.draft ?? false,
        fromFork: isFork(data.head.repo, data.base.repo),
        headRepo: data.head.repo
          ? { owner: data.head.repo.owner.login, name: data.head.repo.name }
          : undefined,
        headSha: data.head.sha,
        headBranch: data.head.ref,
        baseSha: data.base.sha,
        baseBranch: data.base.ref,
        mergeCommitSha: data.merge_commit_sha ?? undefined,
      };
    });
  }

  getDefaultBranch(repo: RepoRef): Promise<BranchHead> {
    return this.#call(repo, 'read the default branch', async (octokit) => {
      const { data } = await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name });
      const { data: ref } = await octokit.rest.git.getRef({
        owner: repo.owner,
        repo: repo.name,
        ref: `heads/${data.default_branch}`,
      });
      return { name: data.default_branch, sha: ref.object.sha };
    });
  }

  listChangedFiles(pr: PullRequestRef): Promise<ChangedFile[]> {
    const { owner, name } = pr.repo;
    return this.#call(pr.repo, 'list the changed files', async (octokit) => {
      const files = await octokit.paginate(octokit.rest.pulls.listFiles, {
        owner,
        repo: name,
        pull_number: pr.number,
        per_page: 100,
      });
      return files.map((file) => ({
        path: file.filename,
        status: FILE_STATUS[file.status] ?? 'modified',
        previousPath: file.previous_filename,
      }));
    });
  }

  findComments(pr: PullRequestRef, marker: string): Promise<Comment[]> {
    const { owner, name } = pr.repo;
    return this.#call(pr.repo, 'list comments', async (octokit) => {
      const comments = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo: name,
        issue_number: pr.number,
        per_page: 100,
      });
      return comments
        .filter((c) => c.body?.includes(marker))
        .map((c) => ({ id: String(c.id), body: c.body ?? '', author: c.user?.login ?? '' }));
    });
  }

  createComment(pr: PullRequestRef, body: string): Promise<string> {
    const { owner, name } = pr.repo;
    return this.#call(pr.repo, 'create a comment', async (octokit) => {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo: name,
        issue_number: pr.number,
        body,
      });
      return String(data.id);
    });
  }

  async updateComment(pr: PullRequestRef, id: string, body: string): Promise<void> {
    const { owner, name } = pr.repo;
    await this.#call(pr.repo, 'update a comment', (octokit) =>
      octokit.rest.issues.updateComment({ owner, repo: name, comment_id: Number(id), body }),
    );
  }

  async deleteComment(pr: PullRequestRef, id: string): Promise<void> {
    const { owner, name } = pr.repo;
    await this.#call(pr.repo, 'delete a comment', (octokit) =>
      octokit.rest.issues.deleteComment({ owner, repo: name, comment_id: Number(id) }),
    );
  }

  async setCommitStatus(repo: RepoRef, sha: string, status: CommitStatus): Promise<void> {
    await this.#call(repo, 'set a commit status', (octokit) =>
      octokit.rest.repos.createCommitStatus({
        owner: repo.owner,
        repo: repo.name,
        sha,
        state: status.state,
        context: status.context,
        description: status.description.slice(0, MAX_STATUS_DESCRIPTION),
        ...(status.targetUrl ? { target_url: status.targetUrl } : {}),
      }),
    );
  }

  listApprovals(pr: PullRequestRef): Promise<Approval[]> {
    const { owner, name } = pr.repo;
    return this.#call(pr.repo, 'list reviews', async (octokit) => {
      const reviews = await octokit.paginate(octokit.rest.pulls.listReviews, {
        owner,
        repo: name,
        pull_number: pr.number,
        per_page: 100,
      });
      // A reviewer's latest decisive review counts; comments do not change it.
      const latest = new Map<string, (typeof reviews)[number]>();
      for (const review of reviews) {
        const user = review.user?.login;
        if (!user || review.state === 'COMMENTED' || review.state === 'PENDING') continue;
        latest.set(user, review);
      }
      return [...latest.values()]
        .filter((r) => r.state === 'APPROVED' || r.state === 'DISMISSED')
        .map((r) => ({
          user: r.user?.login ?? '',
          commitSha: r.commit_id ?? undefined,
          ...(r.submitted_at ? { at: r.submitted_at } : {}),
          dismissed: r.state === 'DISMISSED',
        }));
    });
  }

  getPermission(repo: RepoRef, user: string): Promise<Permission> {
    return this.#call(repo, 'read a collaborator permission', async (octokit) => {
      try {
        const { data } = await octokit.rest.repos.getCollaboratorPermissionLevel({
          owner: repo.owner,
          repo: repo.name,
          username: user,
        });
        const permission = data.permission;
        return permission === 'admin' || permission === 'write' || permission === 'read'
          ? permission
          : 'none';
      } catch (error) {
        if ((error as { status?: number }).status === 404) return 'none';
        throw error;
      }
    });
  }

  isTeamMember(repo: RepoRef, team: string, user: string): Promise<boolean> {
    const [org, slug] = team.includes('/') ? (team.split('/', 2) as [string, string]) : [repo.owner, team];
    return this.#call(repo, `read the membership of ${user} in team ${org}/${slug}`, async (octokit) => {
      try {
        const { data } = await octokit.rest.teams.getMembershipForUserInOrg({
          org,
          team_slug: slug,
          username: user,
        });
        // A pending invitation is not membership yet.
        return data.state === 'active';
      } catch (error) {
        if ((error as { status?: number }).status === 404) return false;
        throw error;
      }
    });
  }

  async react(pr: PullRequestRef, commentId: string, reaction: Reaction): Promise<void> {
    const { owner, name } = pr.repo;
    await this.#call(pr.repo, 'react to a comment', (octokit) =>
      octokit.rest.reactions.createForIssueComment({
        owner,
        repo: name,
        comment_id: Number(commentId),
        content: reaction === 'seen' ? 'eyes' : 'confused',
      }),
    );
  }

  getMergeability(pr: PullRequestRef, ignore: (context: string) => boolean): Promise<Mergeability> {
    const { owner, name } = pr.repo;
    return this.#call(pr.repo, 'read mergeability', async (octokit) => {
      const { data: pull } = await octokit.rest.pulls.get({ owner, repo: name, pull_number: pr.number });
      const reasons: string[] = [];
      if (pull.draft) reasons.push('it is a draft');
      if (pull.mergeable === false || pull.mergeable_state === 'dirty')
        reasons.push('it has merge conflicts');
      // mergeable_state "blocked" also counts Sluice's own pending status; judge the other statuses instead.
      const { data: combined } = await octokit.rest.repos.getCombinedStatusForRef({
        owner,
        repo: name,
        ref: pull.head.sha,
      });
      for (const status of combined.statuses) {
        if (ignore(status.context) || status.state === 'success') continue;
        reasons.push(`status \`${status.context}\` is ${status.state}`);
      }
      return { mergeable: reasons.length === 0, reasons };
    });
  }

  async merge(pr: PullRequestRef, sha: string): Promise<void> {
    const { owner, name } = pr.repo;
    await this.#call(pr.repo, 'merge the pull request', (octokit) =>
      octokit.rest.pulls.merge({ owner, repo: name, pull_number: pr.number, sha }),
    );
  }

  cloneAccess(repo: RepoRef): Promise<CloneAccess> {
    return this.#call(repo, 'read the repository', async (octokit) => {
      const { data } = await octokit.rest.repos.get({ owner: repo.owner, repo: repo.name });
      const auth = (await octokit.auth({ type: 'installation' })) as { token: string };
      return {
        url: data.clone_url,
        username: 'x-access-token',
        password: auth.token,
        refspecs: ['+refs/pull/*/head:refs/pull/*/head'],
      };
    });
  }
}
