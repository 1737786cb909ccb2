import { describe, expect, it } from 'vitest';
import {
  type Command,
  type ParseCommandOptions,
  type ParsedComment,
  parseCommand,
  usageText,
} from '../../../src/commands/parse-command.js';

const ignored: ParsedComment = { kind: 'ignored' };

function run(name: Command['name'], fields: Partial<Command> = {}): ParsedComment {
  return { kind: 'command', command: { name, verbose: false, extraArgs: [], ...fields } };
}

const bot: ParseCommandOptions = { appName: 'sluice-bot' };
const planOnly: ParseCommandOptions = { allowedCommands: ['plan'] };

describe('parseCommand', () => {
  it.each<[comment: string, expected: ParsedComment | RegExp, options?: ParseCommandOptions]>([
    // Commands
    ['sluice plan', run('plan')],
    ['sluice apply', run('apply')],
    ['sluice unlock', run('unlock')],
    ['sluice help', run('help')],
    ['sluice version', run('version')],
    ['sluice', run('help')],
    ['sluice -h', run('help')],
    ['sluice --help', run('help')],
    // Whitespace, blank lines and line endings
    ['  sluice plan  \n\n  ', run('plan')],
    ['\n\nsluice plan', run('plan')],
    ['sluice plan\r\n', run('plan')],
    ['sluice plan -p app\r\n\r\n', run('plan', { project: 'app' })],
    ['sluice  plan\t-d envs/prod', run('plan', { dir: 'envs/prod' })],
    // Flags
    ['sluice plan -p app', run('plan', { project: 'app' })],
    ['sluice plan --project=envs/prod:staging', run('plan', { project: 'envs/prod:staging' })],
    ['sluice plan -p=app', run('plan', { project: 'app' })],
    ['sluice plan -d envs/prod -w staging', run('plan', { dir: 'envs/prod', workspace: 'staging' })],
    [
      'sluice apply --dir envs/prod --workspace=staging --verbose',
      run('apply', { dir: 'envs/prod', workspace: 'staging', verbose: true }),
    ],
    ['sluice plan -w default', run('plan', { workspace: 'default' })],
    ['sluice plan --verbose', run('plan', { verbose: true })],
    [`sluice plan -w ${'w'.repeat(64)}`, run('plan', { workspace: 'w'.repeat(64) })],
    ['sluice plan -w my_ws-1.2', run('plan', { workspace: 'my_ws-1.2' })],
    // -d normalisation
    ['sluice plan -d .', run('plan', { dir: '.' })],
    ['sluice plan -d ./', run('plan', { dir: '.' })],
    ['sluice plan -d envs/prod/', run('plan', { dir: 'envs/prod' })],
    ['sluice plan -d a/./b', run('plan', { dir: 'a/b' })],
    ['sluice plan -d ./a//b', run('plan', { dir: 'a/b' })],
    ['sluice plan -d a/../b', run('plan', { dir: 'b' })],
    ['sluice plan -d "my dir"', run('plan', { dir: 'my dir' })],
    // Extra arguments, split like a shell, never run by one
    ["sluice plan -- -var 'name=a b'", run('plan', { extraArgs: ['-var', 'name=a b'] })],
    [
      'sluice plan -p app -- -target=module.x -refresh=false',
      run('plan', { project: 'app', extraArgs: ['-target=module.x', '-refresh=false'] }),
    ],
    ['sluice apply -- -var "x=1"', run('apply', { extraArgs: ['-var', 'x=1'] })],
    [
      `sluice plan -- -target='aws_instance.web["a"]'`,
      run('plan', { extraArgs: ['-target=aws_instance.web["a"]'] }),
    ],
    ['sluice plan -- a\\ b', run('plan', { extraArgs: ['a b'] })],
    ['sluice plan --', run('plan')],
    ['sluice plan -- -lock=true -lock', run('plan', { extraArgs: ['-lock=true', '-lock'] })],
    ["sluice plan -- -var 'x=$HOME'", run('plan', { extraArgs: ['-var', 'x=$HOME'] })],
    [`sluice plan -- 'a;b' "x|y" '*.tf'`, run('plan', { extraArgs: ['a;b', 'x|y', '*.tf'] })],
    ['sluice plan --verbose -- -destroy', run('plan', { verbose: true, extraArgs: ['-destroy'] })],
    ['sluice plan -- -- x', run('plan', { extraArgs: ['--', 'x'] })],
    // Invocation words
    ['atlantis plan -p app', run('plan', { project: 'app' })],
    ['atlantis plan', ignored, { atlantisAlias: false }],
    ['sluice plan', run('plan'), { atlantisAlias: false }],
    ['@sluice-bot plan', run('plan'), bot],
    ['@Sluice-Bot plan -d envs/prod', run('plan', { dir: 'envs/prod' }), bot],
    ['@SLUICE-BOT apply', run('apply'), { appName: '@sluice-bot' }],
    ['@sluice-bot', run('help'), bot],
    ['@sluice-bot plan', ignored],
    ['@other-bot plan', ignored, bot],
    // Conversation
    ['', ignored],
    ['LGTM', ignored],
    ['please run sluice plan', ignored],
    ['sluice plan\nthanks!', ignored],
    ['sluice plan\r\n\r\nI think this is fine', ignored],
    ['Sluice plan', ignored],
    ['sluiceplan', ignored],
    ['`sluice plan`', ignored],
    ['> sluice plan', ignored],
    // Command names
    ['sluice plna', /^`plna` is not a Sluice command; did you mean `plan`\?$/],
    ['sluice aply', /did you mean `apply`\?/],
    ['sluice unlokc', /did you mean `unlock`\?/],
    ['sluice PLAN', /did you mean `plan`\?/],
    ['sluice deploy', /^`deploy` is not a Sluice command\.$/],
    ['sluice apply', /^`apply` is not enabled for this repository\.$/, planOnly],
    ['sluice aply', /^`aply` is not a Sluice command\.$/, planOnly],
    ['sluice help', run('help'), planOnly],
    ['sluice -p app plan', /^Put the command before its flags, e\.g\. `sluice plan -p`\.$/],
    [`sluice ${'x'.repeat(200)}`, /^`x{60}…` is not a Sluice command\.$/],
    // Flags
    ['sluice plan --projct app', /^Unknown flag `--projct` for `plan`; did you mean `--project`\?$/],
    ['sluice plan -x', /^Unknown flag `-x` for `plan`\.$/],
    ['sluice plan -P app', /^Unknown flag `-P` for `plan`; did you mean `-p`\?$/],
    ['sluice plan -project app', /did you mean `--project`\?$/],
    ['sluice plan -x`y', /^Unknown flag ``-x`y`` for `plan`\.$/],
    ['sluice plan app', /^Unexpected argument `app`; pick a project with `-p app`/],
    ['sluice plan -p', /^`-p` needs a value, e\.g\. `-p app`\.$/],
    ['sluice plan -d --verbose', /^`-d` needs a value/],
    ['sluice plan --dir=', /^`--dir` needs a value, e\.g\. `--dir envs\/prod`\.$/],
    ['sluice plan -w -- -x', /^`-w` needs a value/],
    ['sluice plan -p a -p b', /^`-p` is given twice; give it once\.$/],
    ['sluice plan -d a --dir b', /^`--dir` is given twice/],
    ['sluice plan --verbose --verbose', /^`--verbose` is given twice/],
    ['sluice plan --verbose=true', /^`--verbose` takes no value/],
    ['sluice plan -p app -d envs', /cannot be combined with `-d` or `-w`/],
    ['sluice plan -w staging -p app', /cannot be combined with `-d` or `-w`/],
    // -d tricks
    ['sluice plan -d ../x', /^`\.\.\/x` points outside the repository/],
    ['sluice plan -d ..', /points outside the repository/],
    ['sluice plan -d a/../../b', /^`a\/\.\.\/\.\.\/b` points outside the repository/],
    ['sluice plan -d /etc', /^`\/etc` is an absolute path/],
    ["sluice plan -d 'a\\b'", /^`a\\b` contains `\\`; separate folders with `\/`\.$/],
    ['sluice plan --dir=-x', /starts with `-`; write it as `\.\/-x`/],
    ['sluice plan -d a\u0000b', /control or invisible character/],
    ['sluice plan -d a\u202eb', /control or invisible character/],
    // -w and -p tricks
    ['sluice plan -w ../prod', /^Workspace `\.\.\/prod` contains a path/],
    ['sluice plan -w a/b', /contains a path/],
    ["sluice plan -w 'a\\b'", /contains a path/],
    ['sluice plan -w "a b"', /^`a b` is not a workspace name/],
    ['sluice plan -w .hidden', /is not a workspace name/],
    [`sluice plan -w ${'w'.repeat(65)}`, /is longer than 64 characters/],
    ['sluice plan -p ../x', /^Project name `\.\.\/x` contains `\.\.`/],
    ['sluice plan -p "a b"', /^`a b` is not a project name/],
    // Blocked tool flags
    [
      'sluice plan -- -chdir=/tmp',
      /^`-chdir=\/tmp` is not allowed after `--`: it would run the tool outside/,
    ],
    ['sluice plan -- --chdir /tmp', /^`--chdir` is not allowed after `--`/],
    ['sluice plan -- -plugin-dir=/x', /^`-plugin-dir=\/x` is not allowed.*provider cache/],
    ['sluice apply -- --plugin-dir x', /^`--plugin-dir` is not allowed/],
    ['sluice plan -- -state=x.tfstate', /^`-state=x\.tfstate` is not allowed.*configured backend/],
    ['sluice plan -- -state-out=x', /^`-state-out=x` is not allowed/],
    ['sluice apply -- -backup=x', /^`-backup=x` is not allowed/],
    ['sluice plan -- -out=/tmp/p', /^`-out=\/tmp\/p` is not allowed.*plan file/],
    ['sluice plan -- -lock=false', /^`-lock=false` is not allowed.*locking/],
    ['sluice plan -- --project-dir=..', /^`--project-dir=\.\.` is not allowed.*dbt/],
    // Shell syntax
    ['sluice plan -- -var x=1; rm -rf /', /^`;` is a shell operator/],
    ['sluice plan -- $(id)', /^`\(` is a shell operator/],
    ['sluice plan -- a && b', /^`&&` is a shell operator/],
    ['sluice plan > out.txt', /^`>` is a shell operator/],
    ['sluice plan -- *.tf', /^`\*\.tf` is a shell file pattern/],
    [
      'sluice plan -- -var x=$HOME',
      /^Sluice does not expand shell variables such as `\$HOME`; put the argument in single/,
    ],
    ['sluice plan -- -var "x=${HOME}"', /shell variables such as `\$HOME`/],
    ["sluice plan -- -var 'x=1", /^A `'` quote is not closed/],
    ['sluice plan -- -var x=a#b', /^An unquoted `#` starts a shell comment/],
    // Commands without flags
    ['sluice unlock -p app', /^`unlock` takes no flags or arguments; remove `-p`\.$/],
    ['sluice unlock -- -x', /^`unlock` takes no flags or arguments; remove `--`\.$/],
    ['sluice help plan', /^`help` takes no flags or arguments/],
    ['sluice version --verbose', /^`version` takes no flags or arguments/],
  ])('%j', (comment, expected, options) => {
    const result = parseCommand(comment, options);
    if (expected instanceof RegExp) {
      expect(result).toEqual({
        kind: 'error',
        message: expect.stringMatching(expected),
        usage: usageText(options?.allowedCommands),
      });
    } else {
      expect(result).toEqual(expected);
    }
  });
});

describe('usageText', () => {
  it.each<[allowed: Parameters<typeof usageText>[0], listed: string[], unlisted: string[]]>([
    [undefined, ['plan', 'apply', 'unlock', 'help', 'version', '--project'], []],
    [['plan'], ['plan', 'help', '--project'], ['apply', 'unlock', 'version']],
    [
      ['unlock', 'version'],
      ['unlock', 'help', 'version'],
      ['plan', 'apply', '--project'],
    ],
  ])('%j', (allowed, listed, unlisted) => {
    const usage = usageText(allowed);
    for (const name of listed) expect(usage).toMatch(new RegExp(`\`(sluice )?${name}[\` ]`));
    for (const name of unlisted) expect(usage).not.toMatch(new RegExp(`\`(sluice )?${name}[\` ]`));
  });
});
