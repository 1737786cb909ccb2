import { Probot } from 'probot';
import type { GithubSettings } from '../../config/env.js';
import type { Logger } from '../../logger.js';
import { GitHubForge } from './github-forge.js';
import { githubOctokitClass } from './octokit-class.js';

/** The GitHub forge of a configured App: Probot authenticates as the App and as each installation. */
export function createGitHubForge(settings: GithubSettings, logger: Logger): GitHubForge {
  const probot = new Probot({
    appId: settings.appId,
    privateKey: settings.privateKey,
    baseUrl: settings.baseUrl,
    log: logger.child({ component: 'probot' }),
    Octokit: githubOctokitClass(settings.throttle ? 'budget' : 'off'),
  });
  return new GitHubForge({ probot });
}
