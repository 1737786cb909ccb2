import { ProbotOctokit } from 'probot';
import { GITHUB_WRITE_LIMITS, unlimitedGroup, type WindowLimit, writeBudgetGroups } from './write-budget.js';

interface ThrottledRequest {
  method: string;
  url: string;
}
interface OctokitLog {
  warn(message: string): void;
}

/** How often a request GitHub answered with a rate limit is tried again before the error reaches the job. */
const RATE_LIMIT_RETRIES = 3;
/** A primary-limit reset further away than this fails the request now rather than holding a job for it. */
const MAX_PRIMARY_WAIT_SECONDS = 60;

/**
 * The Octokit class Sluice's Probot builds its clients from. `budget`: writes are admitted by GitHub's
 * documented content-creation limits per installation (write-budget.ts) and rate-limit answers are waited
 * out as GitHub says (`retry-after`, the reset time) and retried; `off`: no client-side limiting at all
 * (a local fake GitHub).
 */
export function githubOctokitClass(
  mode: 'budget' | 'off',
  limits: readonly WindowLimit[] = GITHUB_WRITE_LIMITS,
): typeof ProbotOctokit {
  if (mode === 'off') {
    return ProbotOctokit.defaults((options: { throttle?: object }) => ({
      ...options,
      throttle: { ...options.throttle, enabled: false },
    }));
  }
  const { write, global } = writeBudgetGroups(limits);
  return ProbotOctokit.defaults((options: { throttle?: object }) => ({
    ...options,
    throttle: {
      ...options.throttle,
      write,
      global,
      // Notification-triggering writes (comments) are writes: counted once, by the budget.
      notifications: unlimitedGroup,
      onSecondaryRateLimit: (
        retryAfter: number,
        request: ThrottledRequest,
        octokit: { log: OctokitLog },
        retryCount: number,
      ) => {
        octokit.log.warn(
          `GitHub's secondary rate limit answered ${request.method} ${request.url}; retrying in ${retryAfter} s (try ${retryCount + 1} of ${RATE_LIMIT_RETRIES})`,
        );
        return retryCount < RATE_LIMIT_RETRIES;
      },
      onRateLimit: (
        retryAfter: number,
        request: ThrottledRequest,
        octokit: { log: OctokitLog },
        retryCount: number,
      ) => {
        const retry = retryCount < RATE_LIMIT_RETRIES && retryAfter <= MAX_PRIMARY_WAIT_SECONDS;
        octokit.log.warn(
          `GitHub's rate limit for this installation is spent (${request.method} ${request.url}); ${retry ? `retrying in ${retryAfter} s` : `it resets in ${retryAfter} s, so the request fails now`}`,
        );
        return retry;
      },
    },
  }));
}
