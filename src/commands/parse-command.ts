import { parse } from 'shell-quote';
import { GENERIC_CHANGE_REQUEST } from '../comments/change-request.js';
import { codeSpan } from '../comments/markdown.js';
import { didYouMean } from '../config/did-you-mean.js';
import type { ChangeRequestWords } from '../forge/types.js';
import { normalizeRepoPath } from '../projects/paths.js';

/**
 * Reading a pull-request comment as a Sluice command (`sluice plan -p app -- -var 'a=b'`). Only the
 * comment's first line counts, and only when nothing else follows it; everything a shell would do
 * beyond splitting words (operators, patterns, variables, comments) is refused rather than dropped,
 * because extra arguments reach the tool as an argv array and never pass through a shell.
 */

/** The commands Sluice answers, in the order help lists them. */
export const COMMAND_NAMES = ['plan', 'apply', 'unlock', 'rollback', 'help', 'version'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface Command {
  name: CommandName;
  /** A project's name from the repo config; never combined with `dir` or `workspace`. */
  project?: string;
  /** Normalised repo-relative folder ("." for the root), as in `Project.dir`. */
  dir?: string;
  workspace?: string;
  verbose: boolean;
  /** Arguments after `--`, for the tool's argv (plan and apply only). */
  extraArgs: string[];
}

export type ParsedComment =
  | { kind: 'ignored' }
  | { kind: 'command'; command: Command }
  /** `message` says what is wrong and how to fix it; both fields are Markdown. */
  | { kind: 'error'; message: string; usage: string };

export interface ParseCommandOptions {
  /** The app's login (`sluice-bot`, with or without `@`): `@sluice-bot plan` then works, in any case. */
  appName?: string;
  /** Also answer comments starting with `atlantis`. Default true. */
  atlantisAlias?: boolean;
  /** Commands this repository enables. Default: all. `help` is always available, so users can find out. */
  allowedCommands?: readonly CommandName[];
  /** How the forge names a pull request, for the usage text (ForgeCapabilities.changeRequest). Default: generic. */
  changeRequest?: ChangeRequestWords;
}

const IGNORED: ParsedComment = { kind: 'ignored' };
const TAKES_FLAGS: ReadonlySet<CommandName> = new Set(['plan', 'apply', 'rollback']);

type ValueFlag = 'project' | 'dir' | 'workspace';
const VALUE_FLAGS: Readonly<Record<string, ValueFlag>> = {
  '-p': 'project',
  '--project': 'project',
  '-d': 'dir',
  '--dir': 'dir',
  '-w': 'workspace',
  '--workspace': 'workspace',
};
const VERBOSE = '--verbose';
const KNOWN_FLAGS = [...Object.keys(VALUE_FLAGS), VERBOSE];
const LONG_FLAG_NAMES = KNOWN_FLAGS.filter((flag) => flag.startsWith('--')).map((flag) => flag.slice(2));
const EXAMPLE_VALUE: Readonly<Record<ValueFlag, string>> = {
  project: 'app',
  dir: 'envs/prod',
  workspace: 'staging',
};

/**
 * Tool flags refused after `--` (matched with one or two dashes, with or without `=value`), with why.
 * Terraform/OpenTofu flags first, then dbt's.
 */
const BLOCKED_TOOL_FLAGS: Readonly<Record<string, string>> = {
  chdir: 'it would run the tool outside the project folder; pick the project with `-d` or `-p` instead',
  'plugin-dir': "it would load providers from outside Sluice's provider cache",
  state: 'state is read and written only through the configured backend',
  'state-out': 'state is read and written only through the configured backend',
  backup: 'state is read and written only through the configured backend',
  out: 'Sluice saves the plan file itself, so that apply uses exactly the plan that was reviewed',
  'generate-config-out': 'it would write files outside the project',
  'project-dir': 'it would run dbt outside the project folder; pick the project with `-d` or `-p` instead',
  'profiles-dir': 'it would read dbt profiles from outside the project',
  'target-path': 'it would write dbt artifacts outside the project',
  'log-path': 'it would write dbt logs outside the project',
};
/** What Go's strconv.ParseBool reads as true: any other `-lock=` value turns state locking off. */
const TRUE_WORDS: ReadonlySet<string> = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);

/** Control and invisible formatting characters (tab aside): nothing a command needs, good for hiding things. */
const INVISIBLE = /(?!\t)\p{Cc}|\p{Cf}|\p{Zl}|\p{Zp}/u;
const WORKSPACE = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;
const MAX_WORKSPACE_LENGTH = 64;
/** Sluice's default project names are `dir` or `dir:workspace`, hence `:`. */
const PROJECT = /^[A-Za-z0-9._/:][A-Za-z0-9._/:-]*$/;
/** Tokens are echoed in messages; cut long ones so a pasted essay does not become the reply. */
const MAX_SHOWN = 60;

const COMMAND_HELP: Readonly<Record<CommandName, (noun: string) => string>> = {
  plan: (noun) =>
    `\`sluice plan\` — plan the projects this ${noun} changes, or only the one picked by the flags`,
  apply: (noun) => `\`sluice apply\` — apply the plans shown on this ${noun}, or only the picked project`,
  unlock: (noun) => `\`sluice unlock\` — release the locks this ${noun} holds`,
  rollback: (noun) =>
    `\`sluice rollback\` — point the dbt models this ${noun} deployed back at the previous deployment's tables (\`-p\` for any dbt project)`,
  help: () => '`sluice help` — show this message',
  version: () => '`sluice version` — show the versions of Sluice and its tools',
};
const FLAG_HELP = [
  '- `-p`, `--project <name>` — only the project with this name in the repo config',
  '- `-d`, `--dir <folder>` — only the project in this folder, relative to the repo root',
  '- `-w`, `--workspace <name>` — only this workspace (with `-d`, or at the root)',
  '- `--verbose` — include the full tool output',
  "- `-- <arguments>` — pass the rest to the tool, e.g. `sluice plan -- -var 'name=a b'`",
];

/** Thrown inside this module for a comment that invokes Sluice but cannot be run; never leaves it. */
class Rejected extends Error {}

function reject(message: string): never {
  throw new Rejected(message);
}

export function parseCommand(comment: string, options: ParseCommandOptions = {}): ParsedComment {
  const [first = '', ...rest] = comment.trim().split(/\r\n|\r|\n/);
  // After trimming, any further line holds text: this is conversation, not a command.
  if (rest.length > 0) return IGNORED;
  const line = first.trim();
  const invocation = line.split(/\s/, 1)[0] ?? '';
  if (!isInvocation(invocation, options)) return IGNORED;
  const allowed = options.allowedCommands ?? COMMAND_NAMES;
  try {
    return { kind: 'command', command: readCommand(shellWords(line.slice(invocation.length)), allowed) };
  } catch (error) {
    if (error instanceof Rejected)
      return { kind: 'error', message: error.message, usage: usageText(allowed, options.changeRequest) };
    throw error;
  }
}

/** Markdown help for the enabled commands (plus `help`, which is always available). */
export function usageText(
  allowed: readonly CommandName[] = COMMAND_NAMES,
  words: ChangeRequestWords = GENERIC_CHANGE_REQUEST,
): string {
  const commands = enabled(allowed);
  const lines = [
    'Usage: `sluice <command> [flags] [-- tool arguments]`',
    '',
    'Commands:',
    ...commands.map((name) => `- ${COMMAND_HELP[name](words.noun)}`),
  ];
  const flagged = commands.filter((name) => TAKES_FLAGS.has(name));
  if (flagged.length > 0) {
    lines.push('', `Flags for ${flagged.map((name) => codeSpan(name)).join(' and ')}:`, ...FLAG_HELP);
  }
  return lines.join('\n');
}

function isInvocation(word: string, options: ParseCommandOptions): boolean {
  if (word === 'sluice') return true;
  if (word === 'atlantis') return options.atlantisAlias ?? true;
  const app = options.appName?.replace(/^@/, '');
  return app !== undefined && app !== '' && word.toLowerCase() === `@${app.toLowerCase()}`;
}

function enabled(allowed: readonly CommandName[]): CommandName[] {
  return COMMAND_NAMES.filter((name) => name === 'help' || allowed.includes(name));
}

/** `token` as inline code, shortened if long. */
function show(token: string): string {
  return codeSpan(token.length > MAX_SHOWN ? `${token.slice(0, MAX_SHOWN)}…` : token);
}

/** Splits `text` into words as a POSIX shell would, refusing everything a shell would do beyond that. */
function shellWords(text: string): string[] {
  if (INVISIBLE.test(text)) {
    reject('The command contains a control or invisible character; type it again as plain text.');
  }
  const quote = unclosedQuote(text);
  if (quote !== undefined)
    reject(`A ${codeSpan(quote)} quote is not closed; close it, or escape it with \`\\\`.`);
  const variables: string[] = [];
  const entries = parse(text, (name) => {
    if (name !== '') variables.push(name);
    return `$${name}`;
  });
  const variable = variables[0];
  if (variable !== undefined) {
    reject(
      `Sluice does not expand shell variables such as ${show(`$${variable}`)}; put the argument in single quotes to pass it as written.`,
    );
  }
  return entries.map((entry) => {
    if (typeof entry === 'string') return entry;
    if ('comment' in entry) {
      reject('An unquoted `#` starts a shell comment; quote the arguments that contain `#`.');
    }
    if (entry.op === 'glob') {
      reject(
        `${show(entry.pattern)} is a shell file pattern, and Sluice does not expand patterns; quote it to pass it as written.`,
      );
    }
    return reject(
      `${show(entry.op)} is a shell operator, and Sluice runs no shell; remove it, or quote it to pass it as text.`,
    );
  });
}

/** The quote character left open at the end of `text`, if any (shell-quote would silently close it). */
function unclosedQuote(text: string): "'" | '"' | undefined {
  let open: "'" | '"' | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (open === "'") {
      if (c === "'") open = undefined;
    } else if (c === '\\') {
      i++;
    } else if (open === '"') {
      if (c === '"') open = undefined;
    } else if (c === "'" || c === '"') {
      open = c;
    }
  }
  return open;
}

function readCommand(words: readonly string[], allowed: readonly CommandName[]): Command {
  const [word, ...args] = words;
  const name = word === undefined ? 'help' : commandName(word, allowed);
  if (!TAKES_FLAGS.has(name)) {
    const extra = args[0];
    if (extra !== undefined) reject(`${codeSpan(name)} takes no flags or arguments; remove ${show(extra)}.`);
    return { name, verbose: false, extraArgs: [] };
  }
  const end = args.indexOf('--');
  const flags = readFlags(name, end === -1 ? args : args.slice(0, end));
  const extraArgs = end === -1 ? [] : args.slice(end + 1);
  if (name === 'rollback' && end !== -1) {
    reject('`rollback` runs no tool, so it takes no `--` arguments; remove them.');
  }
  extraArgs.forEach(checkToolArg);
  return { ...flags, extraArgs };
}

function commandName(word: string, allowed: readonly CommandName[]): CommandName {
  if (word === '-h' || word === '--help') return 'help';
  const known = COMMAND_NAMES.find((name) => name === word);
  if (known !== undefined) {
    if (known !== 'help' && !allowed.includes(known)) {
      reject(`${codeSpan(known)} is not enabled for this repository.`);
    }
    return known;
  }
  if (word.startsWith('-')) {
    reject(`Put the command before its flags, e.g. ${show(`sluice plan ${word}`)}.`);
  }
  const guess = didYouMean(word, enabled(allowed));
  return reject(`${show(word)} is not a Sluice command${guess ? `; did you mean ${codeSpan(guess)}?` : '.'}`);
}

function readFlags(name: CommandName, words: readonly string[]): Omit<Command, 'extraArgs'> {
  const values: Partial<Record<ValueFlag, string>> = {};
  let verbose = false;
  for (let i = 0; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-') || word === '-') {
      reject(
        `Unexpected argument ${show(word)}; pick a project with ${show(`-p ${word}`)}, or pass tool arguments after \`--\`.`,
      );
    }
    const equals = word.indexOf('=');
    const flag = equals === -1 ? word : word.slice(0, equals);
    const inline = equals === -1 ? undefined : word.slice(equals + 1);
    if (flag === VERBOSE) {
      if (inline !== undefined) reject(`\`${VERBOSE}\` takes no value; write just \`${VERBOSE}\`.`);
      if (verbose) reject(`\`${VERBOSE}\` is given twice; give it once.`);
      verbose = true;
      continue;
    }
    const key = Object.hasOwn(VALUE_FLAGS, flag) ? VALUE_FLAGS[flag] : undefined;
    if (key === undefined) {
      const guess = flagSuggestion(flag);
      reject(
        `Unknown flag ${show(flag)} for ${codeSpan(name)}${guess ? `; did you mean ${codeSpan(guess)}?` : '.'}`,
      );
    }
    if (values[key] !== undefined) reject(`${show(flag)} is given twice; give it once.`);
    let value = inline;
    const next = words[i + 1];
    if (value === undefined && next !== undefined && !next.startsWith('-')) {
      value = next;
      i++;
    }
    if (!value) reject(`${show(flag)} needs a value, e.g. ${codeSpan(`${flag} ${EXAMPLE_VALUE[key]}`)}.`);
    values[key] = CHECK_VALUE[key](value);
  }
  if (values.project !== undefined && (values.dir !== undefined || values.workspace !== undefined)) {
    reject('`-p` picks a project by name, so it cannot be combined with `-d` or `-w`; use one or the other.');
  }
  return { name, ...values, verbose };
}

/** `-P` → `-p`, `-project` or `--projct` → `--project`; nothing for other short flags, which all look alike. */
function flagSuggestion(flag: string): string | undefined {
  const lower = flag.toLowerCase();
  if (KNOWN_FLAGS.includes(lower)) return lower;
  const name = flag.replace(/^-+/, '');
  const guess = name.length < 3 ? undefined : didYouMean(name, LONG_FLAG_NAMES);
  return guess === undefined ? undefined : `--${guess}`;
}

const CHECK_VALUE: Readonly<Record<ValueFlag, (value: string) => string>> = {
  project: checkProject,
  dir: checkDir,
  workspace: checkWorkspace,
};

function checkProject(value: string): string {
  if (value.includes('..')) reject(`Project name ${show(value)} contains \`..\`; project names cannot.`);
  if (!PROJECT.test(value)) {
    reject(
      `${show(value)} is not a project name; names use letters, digits, \`.\`, \`_\`, \`-\`, \`/\` and \`:\`, and do not start with \`-\`.`,
    );
  }
  return value;
}

function checkDir(value: string): string {
  if (value.includes('\\')) reject(`${show(value)} contains \`\\\`; separate folders with \`/\`.`);
  if (value.startsWith('/')) {
    reject(
      `${show(value)} is an absolute path; \`-d\` takes a folder relative to the repo root, e.g. \`-d envs/prod\`.`,
    );
  }
  if (value.startsWith('-'))
    reject(`Folder ${show(value)} starts with \`-\`; write it as ${show(`./${value}`)}.`);
  const dir = normalizeRepoPath(value);
  if (dir === undefined) {
    reject(
      `${show(value)} points outside the repository; \`-d\` takes a folder inside it, relative to its root.`,
    );
  }
  return dir;
}

function checkWorkspace(value: string): string {
  if (/[/\\]|\.\./.test(value)) {
    reject(
      `Workspace ${show(value)} contains a path; workspace names cannot contain \`/\`, \`\\\` or \`..\`.`,
    );
  }
  if (value.length > MAX_WORKSPACE_LENGTH) {
    reject(`Workspace ${show(value)} is longer than ${MAX_WORKSPACE_LENGTH} characters.`);
  }
  if (!WORKSPACE.test(value)) {
    reject(
      `${show(value)} is not a workspace name; names use letters, digits, \`.\`, \`_\` and \`-\`, and do not start with \`.\` or \`-\`.`,
    );
  }
  return value;
}

function checkToolArg(arg: string): void {
  const match = /^--?([^-=][^=]*)(?:=(.*))?$/s.exec(arg);
  if (!match) return;
  const [, name = '', value] = match;
  const reason = Object.hasOwn(BLOCKED_TOOL_FLAGS, name) ? BLOCKED_TOOL_FLAGS[name] : undefined;
  if (reason !== undefined) reject(`${show(arg)} is not allowed after \`--\`: ${reason}.`);
  if (name === 'lock' && value !== undefined && !TRUE_WORDS.has(value)) {
    reject(
      `${show(arg)} is not allowed after \`--\`: state locking protects against runs outside Sluice, so it stays on.`,
    );
  }
}
