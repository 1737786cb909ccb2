import { quote } from 'shell-quote';
import { parseCommand } from '../commands/parse-command.js';
import { splitPassEnv } from './pass-env.js';
import { UsageError } from './usage-error.js';

/** What commander read from `sluice plan`'s command line (src/cli/program.ts). */
export interface PlanCliOptions {
  base?: string;
  repo?: string;
  project?: string;
  dir?: string;
  workspace?: string;
  /** false with --no-sandbox. */
  sandbox: boolean;
  /** false with --no-network. */
  network: boolean;
  /** --pass-env, each possibly a comma list. */
  passEnv: string[];
  /** --mount, one path each. */
  mount: string[];
  /** --allow-host, each possibly a comma list. */
  allowHost: string[];
  format?: PlanFormat;
  /** false with --no-fold. */
  fold: boolean;
  /** Every operand commander found: the tool arguments after `--`, and any stray word before it. */
  toolArguments: string[];
  /** The command line as typed, to tell the words after `--` from stray ones. */
  argv: string[];
}

export type PlanFormat = 'text' | 'markdown' | 'json';

export interface PlanArgs {
  /** Where to look for the repository. */
  repo?: string;
  base?: string;
  target: { project?: string; dir?: string; workspace?: string };
  extraArgs: string[];
  sandbox: 'auto' | 'none';
  network: boolean;
  passEnv: string[];
  mounts: string[];
  /** Hosts the steps may reach besides the registries (a backend on this machine, say). */
  allowHosts: string[];
  /** Undefined: text on a terminal, Markdown otherwise. */
  format?: PlanFormat;
  fold: boolean;
}

/**
 * Checks `sluice plan`'s arguments. `-p`, `-d`, `-w` and the tool arguments after `--` go through the
 * comment command's parser, so they mean (and refuse) exactly what they do in a PR comment.
 */
export function planArgs(options: PlanCliOptions): PlanArgs {
  const end = options.argv.indexOf('--');
  const afterEnd = end === -1 ? 0 : options.argv.length - end - 1;
  const stray = options.toolArguments.slice(0, options.toolArguments.length - afterEnd);
  if (stray.length > 0) {
    throw new UsageError(`unexpected argument "${stray[0]}"; tool arguments go after --`);
  }
  const extra = options.toolArguments;
  const words = [
    ...(options.project === undefined ? [] : ['-p', options.project]),
    ...(options.dir === undefined ? [] : ['-d', options.dir]),
    ...(options.workspace === undefined ? [] : ['-w', options.workspace]),
    ...(extra.length > 0 ? ['--', ...extra] : []),
  ];
  const command = parseCommand(`sluice plan ${quote(words)}`, { atlantisAlias: false });
  if (command.kind === 'ignored') throw new UsageError('arguments cannot contain line breaks');
  if (command.kind === 'error') throw new UsageError(command.message);
  const { project, dir, workspace, extraArgs } = command.command;
  return {
    repo: options.repo,
    base: options.base,
    target: { project, dir, workspace },
    extraArgs,
    sandbox: options.sandbox ? 'auto' : 'none',
    network: options.network,
    passEnv: splitPassEnv(options.passEnv),
    mounts: options.mount,
    allowHosts: options.allowHost.flatMap((list) => list.split(',')).filter(Boolean),
    format: options.format,
    fold: options.fold,
  };
}
