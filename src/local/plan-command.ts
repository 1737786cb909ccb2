import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliIo } from '../cli/cli-io.js';
import { EXIT } from '../cli/exit-codes.js';
import { type PlanArgs, type PlanCliOptions, type PlanFormat, planArgs } from './plan-args.js';
import { type LocalPlanOutcome, planLocal } from './plan-local.js';
import { createPlanProgress, type PlanProgress } from './plan-progress.js';
import { renderPlanJson } from './render-json.js';
import { plain, renderPlanText } from './render-text.js';
import { UsageError } from './usage-error.js';

export const PLAN_HELP_HINT = '(run `sluice plan --help` for usage)';

/**
 * `sluice plan`: parses the arguments, plans, prints the comment on stdout and returns the exit
 * status. SIGINT or SIGTERM cancels the running plans (their process trees are killed) and removes the
 * copy of the working tree; a second one exits at once.
 */
export async function runPlanCommand(options: PlanCliOptions, io: CliIo): Promise<number> {
  let progress: PlanProgress | undefined;
  const say = (line: string) => {
    if (progress) progress.note(`sluice plan: ${line}`);
    else io.stderr.write(`sluice plan: ${line}\n`);
  };
  let args: PlanArgs;
  try {
    args = planArgs(options);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    io.stderr.write(`${PLAN_HELP_HINT}\n`);
    return EXIT.usage;
  }

  const controller = new AbortController();
  const signals = new Map<NodeJS.Signals, () => void>();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const onSignal = () => {
      if (controller.signal.aborted) process.exit(signalExit(signal));
      say(`${signal}: cancelling the running plans (again to quit at once)`);
      controller.abort(signal);
    };
    signals.set(signal, onSignal);
    process.on(signal, onSignal);
  }
  try {
    const outcome = await planLocal({
      cwd: resolve(io.cwd, args.repo ?? '.'),
      base: args.base,
      target: args.target,
      extraArgs: args.extraArgs,
      sandbox: args.sandbox,
      network: args.network,
      allowHosts: args.allowHosts,
      passEnv: args.passEnv,
      mounts: args.mounts,
      env: io.env,
      signal: controller.signal,
      providerCacheDir: join(io.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sluice', 'provider-mirror'),
      templatesDir: io.env.SLUICE_TEMPLATES_DIR ? resolve(io.cwd, io.env.SLUICE_TEMPLATES_DIR) : undefined,
      notice: say,
      progress: (projects) => {
        progress = createPlanProgress({ stream: io.stderr, projects });
        return progress;
      },
    });
    if (controller.signal.aborted) {
      say('cancelled; nothing printed');
      return signalExit(controller.signal.reason as NodeJS.Signals);
    }
    if (outcome.kind === 'config-error') {
      say(`${outcome.file} is invalid; nothing was planned`);
      for (const issue of outcome.issues) {
        io.stderr.write(`${issue.file}:${issue.line}:${issue.column}: ${issue.message}\n`);
      }
      return EXIT.usage;
    }
    if (outcome.kind === 'nothing-to-plan') {
      say(outcome.message);
      // A script reading JSON gets an answer it can parse: no projects.
      if (args.format === 'json') {
        const headline = outcome.message.replace(/^nothing to plan: /, '');
        await write(
          io.stdout,
          renderPlanJson({ results: [], headline, passed: { env: [], mounts: [] }, network: args.network }),
        );
      }
      return EXIT.ok;
    }
    const format = args.format ?? (io.stdout.isTTY ? 'text' : 'markdown');
    await write(io.stdout, render(outcome, format, args.fold, Boolean(io.stdout.isTTY) && !io.env.NO_COLOR));
    return outcome.results.every((r) => r.status === 'planned') ? EXIT.ok : EXIT.failed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(error.message);
    return EXIT.usage;
  } finally {
    for (const [signal, listener] of signals) process.off(signal, listener);
  }
}

/** The plan in the chosen format; always ending in a newline. */
function render(
  outcome: Extract<LocalPlanOutcome, { kind: 'planned' }>,
  format: PlanFormat,
  fold: boolean,
  color: boolean,
): string {
  if (format === 'json') {
    return renderPlanJson({
      results: outcome.results,
      headline: plain(outcome.view.headline),
      passed: outcome.passed,
      network: outcome.network,
    });
  }
  if (format === 'text')
    return renderPlanText(outcome.view, outcome.results, { color, foldAfter: fold ? FOLD_AFTER : 0 });
  return outcome.markdown.endsWith('\n') ? outcome.markdown : `${outcome.markdown}\n`;
}

/** Lines of one project's plan or error the text output shows before folding the rest. */
const FOLD_AFTER = 200;

/** Resolves once the text is handed to the OS, so exiting right after loses nothing. */
function write(stream: CliIo['stdout'], text: string): Promise<void> {
  return new Promise((done) => stream.write(text, done));
}

/** The shell's convention: 128 + the signal's number. */
function signalExit(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? 143 : 130;
}
