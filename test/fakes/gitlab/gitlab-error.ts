/**
 * An answer the fake gives instead of a success, in GitLab's error shapes: `{"message": …}` from the
 * API's own checks, `{"error": …}` from parameter validation and unknown routes.
 */
export class GitLabError extends Error {
  readonly status: number;
  /** Whether the request shows a bug in the caller (recorded in `fake.violations`). */
  readonly violation: boolean;
  readonly key: 'message' | 'error';

  constructor(
    status: number,
    message: string,
    options: { violation?: boolean; key?: 'message' | 'error' } = {},
  ) {
    super(message);
    this.name = 'GitLabError';
    this.status = status;
    this.violation = options.violation ?? false;
    this.key = options.key ?? 'message';
  }

  get body(): Record<string, string> {
    return { [this.key]: this.message };
  }
}

/** A missing resource: GitLab answers 404 and the caller may handle it, so it is not a violation. */
export const notFound = (what: string) => new GitLabError(404, `404 ${what} Not Found`);
