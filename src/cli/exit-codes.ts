/**
 * Every `sluice` command's exit status (docs/cli.md): 0 it did its job, 1 it ran and something failed
 * (a plan, a check, the server), 2 it could not start because of what it was given (a flag, an argument,
 * a config file, the environment). A signal ends it with the shell's 128 + the signal's number.
 */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export type ExitCode = number;
