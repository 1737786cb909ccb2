import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { SluiceError } from '../errors.js';
import type { PlanCliOptions } from '../local/plan-args.js';
import { SLUICE_VERSION } from '../version.js';
import type { CliIo } from './cli-io.js';
import { EXIT } from './exit-codes.js';

/**
 * The `sluice` command line: subcommands, their options, help and version, parsed by commander. Each
 * action imports what it runs only when it runs, so `--help` and `--version` load nothing else.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(
    io,
    (result) => {
      code = result;
    },
    argv,
  );
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help or the version asked for: 0. Anything else commander refused (an unknown command or
      // option, a missing or bad value, help shown because no command was given): a usage error.
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof SluiceError) {
      io.stderr.write(`sluice: ${error.message}\n`);
      return error.code === 'SERVER_CONFIG_INVALID' || error.code === 'CONFIG_INVALID'
        ? EXIT.usage
        : EXIT.failed;
    }
    throw error;
  }
}

function buildProgram(io: CliIo, exit: (code: number) => void, argv: string[]): Command {
  const program = new Command('sluice')
    .description(
      'Pull-request bot for Terraform/OpenTofu and dbt: plans on the pull request, applies on approved merge.',
    )
    .version(SLUICE_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .helpCommand('help [command]', 'show help for a command')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText('after', `\n${ENVIRONMENT_NOTE}\n\n${EXIT_NOTE}`);

  program
    .command('server')
    .description('serve webhooks, health and metrics; with --workers also run plan jobs in this process')
    .addOption(
      new Option('--workers <n>', 'plan jobs to run at a time in this process').argParser(count).default(0),
    )
    .option('--config <file>', 'the server config (admin rules per repository); same as SLUICE_CONFIG')
    .addHelpText('after', `\n${ENVIRONMENT_NOTE}`)
    .action(async (options: { workers: number; config?: string }) => {
      const { runService } = await import('./run-service.js');
      exit(await runService({ server: true, workers: options.workers }, options, io));
    });

  program
    .command('worker')
    .description('run plan and apply jobs from the queue (Redis, or the embedded database)')
    .addOption(new Option('--concurrency <n>', 'jobs to run at a time').argParser(positiveCount).default(2))
    .addOption(
      new Option(
        '--metrics-port <port>',
        'serve /metrics, /healthz and /readyz on this port (default: $SLUICE_METRICS_PORT, else 9464; 0: any free port)',
      ).argParser(port),
    )
    .option('--config <file>', 'the server config (admin rules per repository); same as SLUICE_CONFIG')
    .addHelpText('after', `\n${ENVIRONMENT_NOTE}`)
    .action(async (options: { concurrency: number; metricsPort?: number; config?: string }) => {
      const { runService } = await import('./run-service.js');
      exit(await runService({ server: false, workers: options.concurrency }, options, io));
    });

  program
    .command('plan')
    .description("plan this checkout's changes locally, as Sluice would on a pull request")
    .usage(
      '[--base <ref>] [--repo <path>] [-p <project> | -d <dir> [-w <workspace>]] [options] [-- <tool arguments>]',
    )
    .argument('[tool-arguments...]', "after --: passed to `tofu plan`, e.g. -- -var 'name=a b'")
    .option('--base <ref>', 'compare with this ref (default: origin/HEAD, else main or master)')
    .option('--repo <path>', 'the repository (default: the current directory)')
    .option('-p, --project <name>', 'plan only this project from sluice.yaml, changed or not')
    .option('-d, --dir <folder>', 'plan only the project in this folder, relative to the repo root')
    .option('-w, --workspace <name>', 'only this workspace (with -d, or at the root)')
    .option('--no-sandbox', 'run OpenTofu without bubblewrap (its environment is still scrubbed)')
    .option(
      '--pass-env <names>',
      'pass these variables from your environment to the plan steps: names or globs, comma-separated (repeatable), e.g. AWS_PROFILE,TF_VAR_*',
      collect,
      [],
    )
    .option(
      '--mount <path>',
      'show this file or folder read-only to the plan steps, e.g. ~/.aws (repeatable)',
      collect,
      [],
    )
    .option(
      '--allow-host <hosts>',
      'let the plan steps reach these hosts besides the registries: host, host:port or an IP address (a state backend on this machine: 127.0.0.1:8080), comma-separated (repeatable)',
      collect,
      [],
    )
    .option(
      '--no-network',
      'plan without network access (providers and modules must be cached, the backend reachable without it)',
    )
    .addOption(
      new Option(
        '--format <format>',
        'output: text (default on a terminal), markdown (default otherwise), json',
      ).choices(['text', 'markdown', 'json']),
    )
    .option('--no-fold', 'text output: show long plans and errors in full')
    .addHelpText('after', `\n${PLAN_NOTE}`)
    .action(async (toolArguments: string[], options: PlanOptions) => {
      const { runPlanCommand } = await import('../local/plan-command.js');
      exit(await runPlanCommand({ ...options, toolArguments, argv }, io));
    });

  const config = program.command('config').description('work with config files');
  config
    .command('validate')
    .description(
      'check a server config, sluice.yaml or atlantis.yaml and print every problem as file:line:column: message',
    )
    .argument('[path]', 'the file (default: the repo config in this folder, else $SLUICE_CONFIG)')
    .addOption(
      new Option('--kind <kind>', 'the kind of config (default: from the name, else the content)').choices([
        'server',
        'repo',
        'atlantis',
      ]),
    )
    .option(
      '--server-config <file>',
      'also check the repo config against this server config’s rules (with --repo)',
    )
    .option(
      '--repo <id>',
      'the repository whose rules apply, e.g. github.com/acme/infra (with --server-config)',
    )
    .addHelpText('after', `\n${VALIDATE_NOTE}`)
    .action(
      async (
        path: string | undefined,
        options: { kind?: 'server' | 'repo' | 'atlantis'; serverConfig?: string; repo?: string },
      ) => {
        const { validateConfigFile } = await import('../config/validate-command.js');
        exit(
          validateConfigFile(path, options, {
            out: (line) => io.stdout.write(`${line}\n`),
            err: (line) => io.stderr.write(`${line}\n`),
            cwd: io.cwd,
            env: io.env,
          }),
        );
      },
    );

  // After a usage error, where the right usage is: `(run \`sluice plan --help\` for usage)`.
  const hint = (command: Command, name: string): void => {
    command.showHelpAfterError(`(run \`${name} --help\` for usage)`);
    for (const sub of command.commands) hint(sub, `${name} ${sub.name()}`);
  };
  hint(program, 'sluice');
  return program;
}

type PlanOptions = Omit<PlanCliOptions, 'toolArguments' | 'argv'>;

const ENVIRONMENT_NOTE = 'Configuration comes from environment variables; see README.md and docs/cli.md.';

const EXIT_NOTE = `Exit status: 0 done, 1 failed (a plan, a check, the server), 2 usage or configuration error.`;

const PLAN_NOTE = `Plans the projects your working tree changes since the base (uncommitted and untracked files
included) in a copy of it, with the same discovery, sluice.yaml and sandboxed steps as a pull request.
The steps see none of your environment unless you pass it: --pass-env (and sluice.yaml's
local.pass_env) by name, --mount for credential files. What was passed is listed by name, never value.

Exit status: 0 planned (with or without changes) or nothing to plan, 1 a plan failed,
2 a usage or sluice.yaml error.`;

const VALIDATE_NOTE = `The kind comes from the file name (sluice.yaml, sluice.yml, atlantis.yaml, sluice-server.yaml),
else from the content (a top-level \`repos\` is a server config), unless --kind says.

Exit status: 0 valid (warnings may be printed), 1 invalid, 2 usage error.`;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function count(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError('takes a whole number');
  return n;
}

function port(value: string): number {
  const n = count(value);
  if (n > 65535) throw new InvalidArgumentError('takes a port number, 0 to 65535');
  return n;
}

function positiveCount(value: string): number {
  const n = count(value);
  if (n === 0) throw new InvalidArgumentError('takes a whole number of at least 1');
  return n;
}
