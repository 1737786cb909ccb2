import { parseArgs } from 'node:util';
import { quote } from 'shell-quote';
import { parseCommand } from '../commands/parse-command.js';
import { UsageError } from './usage-error.js';

export const PLAN_USAGE = `Usage: sluice plan [--base <ref>] [--repo <path>] [-p <project> | -d <dir> [-w <workspace>]] [--no-sandbox] [-- <tool arguments>]

Plans the projects your working tree changes since the base, as Sluice would on a pull request
(uncommitted and untracked files included), and prints the pull-request comment as Markdown.

  --base <ref>              compare with this ref (default: origin/HEAD, else main or master)
  --repo <path>             the repository (default: the current directory)
  -p, --project <name>      plan only this project from sluice.yaml, changed or not
  -d, --dir <folder>        plan only the project in this folder, relative to the repo root
  -w, --workspace <name>    only this workspace (with -d, or at the root)
  --no-sandbox              run OpenTofu without bubblewrap (its environment is still scrubbed)
  -- <arguments>            pass the rest to \`tofu plan\`, e.g. -- -var 'name=a b'

Exit status: 0 planned (with or without changes) or nothing to plan, 1 a plan failed,
2 a usage or sluice.yaml error.`;

export interface PlanArgs {
  help: boolean;
  /** Where to look for the repository. */
  repo?: string;
  base?: string;
  target: { project?: string; dir?: string; workspace?: string };
  extraArgs: string[];
  sandbox: 'auto' | 'none';
}

/**
 * Reads `sluice plan`'s arguments. `-p`, `-d`, `-w` and the tool arguments after `--` go through the
 * comment command's parser, so they mean (and refuse) exactly what they do in a PR comment.
 */
export function parsePlanArgs(argv: string[]): PlanArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, tokens } = parsed;
  const end = tokens.findIndex((token) => token.kind === 'option-terminator');
  const stray = tokens.find((token, i) => token.kind === 'positional' && (end === -1 || i < end));
  if (stray?.kind === 'positional') {
    throw new UsageError(`unexpected argument "${stray.value}"; tool arguments go after --`);
  }
  const extra =
    end === -1
      ? []
      : tokens.slice(end + 1).flatMap((token) => (token.kind === 'positional' ? [token.value] : []));
  const words = [
    ...(values.project === undefined ? [] : ['-p', values.project]),
    ...(values.dir === undefined ? [] : ['-d', values.dir]),
    ...(values.workspace === undefined ? [] : ['-w', values.workspace]),
    ...(extra.length > 0 ? ['--', ...extra] : []),
  ];
  const command = parseCommand(`sluice plan ${quote(words)}`, { atlantisAlias: false });
  if (command.kind === 'ignored') throw new UsageError('arguments cannot contain line breaks');
  if (command.kind === 'error') throw new UsageError(command.message);
  const { project, dir, workspace, extraArgs } = command.command;
  return {
    help: values.help ?? false,
    repo: values.repo,
    base: values.base,
    target: { project, dir, workspace },
    extraArgs,
    sandbox: values['no-sandbox'] ? 'none' : 'auto',
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      base: { type: 'string' },
      repo: { type: 'string' },
      project: { type: 'string', short: 'p' },
      dir: { type: 'string', short: 'd' },
      workspace: { type: 'string', short: 'w' },
      'no-sandbox': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
    tokens: true,
  });
}
