import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A git command in the user's repository failed; `message` is git's own last line. */
export class LocalGitError extends Error {
  override name = 'LocalGitError';
}

/**
 * Runs git in the user's own repository with their environment and config (their global ignore file
 * counts), only never prompting. Returns stdout; throws LocalGitError with git's message.
 */
export async function runGit(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run('git', ['-C', cwd, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' },
      maxBuffer: 256 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    const last = stderr?.split('\n').at(-1);
    throw new LocalGitError(last || (error as Error).message, { cause: error });
  }
}

/** Like runGit, but a failing command means "no": `git rev-parse --verify -q`, `symbolic-ref -q`. */
export async function tryGit(cwd: string, args: string[]): Promise<string | undefined> {
  return runGit(cwd, args).then(
    (out) => out.trim(),
    () => undefined,
  );
}
