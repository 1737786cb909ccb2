/** An answer the fake gives instead of a success, in GitHub's error shape. */
export class GitHubError extends Error {
  readonly status: number;
  /** Whether the request shows a bug in the caller (recorded in `fake.violations`). */
  readonly violation: boolean;
  /** GitHub's `errors` list for 422 "Validation Failed". */
  readonly errors?: Array<Record<string, string>>;

  constructor(
    status: number,
    message: string,
    options: { violation?: boolean; errors?: Array<Record<string, string>> } = {},
  ) {
    super(message);
    this.name = 'GitHubError';
    this.status = status;
    this.violation = options.violation ?? false;
    this.errors = options.errors;
  }
}

/** A missing resource: GitHub answers 404 and the caller may handle it, so it is not a violation. */
export const notFound = (what: string) => new GitHubError(404, `Not Found (fake GitHub has no ${what})`);
