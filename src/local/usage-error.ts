/**
 * Something the person running `sluice plan` must fix before anything is planned: a flag, a path, a
 * ref. The command prints the message and exits with status 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}
