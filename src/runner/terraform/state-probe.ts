import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { StateIdentity } from '../../store/types.js';
import { makeServerDir } from '../safe-write.js';
import type { ProjectPlanResult } from '../types.js';
import { missingDirError, type ProjectStageOptions, providerConfig } from './project-stage.js';
import { maskerForStage, NO_RUN_FACTS, passedNames, stageEnvironment } from './run-stage.js';
import { parseState, stateIdentity } from './state-document.js';
import { insideCheckout, type RunStep, stepError, stepRunner } from './steps.js';

type StepFailure = NonNullable<ProjectPlanResult['error']>;

/** The tool's own lock on the state (`Lock Info` of OpenTofu/Terraform), as the backend reports it. */
export interface StateLock {
  id: string;
  /** `user@host`: Sluice runs applies with the host name `sluice-<attempt id>`. */
  who: string;
  operation: string;
  created: string;
}

export interface StateProbe {
  /** `init` (with the workflow's init arguments) and the workspace: needed before anything else. */
  prepare(): Promise<StepFailure | undefined>;
  /** The state now (`state pull`, which takes no lock): its identity and the document. */
  read(): Promise<
    { ok: true; identity: StateIdentity | null; text: string } | { ok: false; error: StepFailure }
  >;
  /**
   * Whether a tool's lock is on the state: takes and drops the lock with a command that changes nothing
   * (`state rm -dry-run` of an address that does not exist), waiting up to `waitMs` for a holder to finish.
   */
  lock(waitMs: number): Promise<{ ok: true; held?: StateLock } | { ok: false; error: StepFailure }>;
  /** Removes the lock with this id (`force-unlock -force <id>`). */
  forceUnlock(id: string): Promise<StepFailure | undefined>;
}

export interface StateProbeOptions extends ProjectStageOptions {
  /** The workflow's `init` extra arguments (e.g. `-backend-config=…`). */
  initArgs?: readonly string[];
}

const NO_SUCH_ADDRESS = 'terraform_data.sluice_lock_probe_never_exists';

/**
 * Reads a project's state and the tool's lock on it in the sandbox, with the apply stage's variables
 * (the backend's credentials come from `sandbox.apply_env`). Undefined when the folder is not in the checkout.
 */
export async function stateProbe(
  options: StateProbeOptions,
): Promise<{ ok: true; probe: StateProbe } | { ok: false; error: StepFailure }> {
  const { project } = options;
  const projectDir = await insideCheckout(options.checkoutDir, project.dir);
  if (!projectDir) return { ok: false, error: missingDirError(project.dir) };
  const home = join(options.artifactDir, 'home');
  await mkdir(home, { recursive: true });
  const names = passedNames(options.sandboxRules, 'apply');
  const serverDir = await makeServerDir(options.artifactDir);
  const runStep: RunStep = stepRunner({
    ...options,
    masker: maskerForStage(options.masker, names, options.serverEnv),
    projectDir,
    home,
    serverDir,
    cliConfigFile: await providerConfig(options, projectDir, serverDir),
    allowedHosts: options.sandboxRules?.allowedHosts,
    network: options.sandboxRules?.network,
  });
  const env = stageEnvironment({
    stage: 'apply',
    context: {
      ...(options.facts ?? NO_RUN_FACTS),
      project: { name: project.name, dir: project.dir, workspace: project.workspace },
      repoRoot: options.checkoutDir,
      projectDir,
      planFile: join(options.artifactDir, 'reviewed.tfplan'),
      showFile: join(options.artifactDir, 'reviewed.json'),
      toolVersion: options.tool.version,
    },
    sandboxRules: options.sandboxRules,
    serverEnv: options.serverEnv,
  })({});
  const tool = (name: string, args: string[]) =>
    runStep({ name, argv: [options.tool.path, ...args], shownArgv: [options.tool.name, ...args], env });
  const failed = (run: Awaited<ReturnType<RunStep>>) =>
    run.result.exitCode === 0 && !run.result.timedOut && !run.result.cancelled
      ? undefined
      : stepError(run.result, options.timeoutMs);

  const probe: StateProbe = {
    async prepare() {
      const init = await tool('init', ['init', '-input=false', '-no-color', ...(options.initArgs ?? [])]);
      const error = failed(init);
      if (error || project.workspace === 'default') return error;
      return failed(
        await tool('workspace', ['workspace', 'select', '-or-create=true', '-no-color', project.workspace]),
      );
    },
    async read() {
      const pulled = await tool('state pull', ['state', 'pull']);
      const error = failed(pulled);
      if (error) return { ok: false, error };
      return { ok: true, identity: stateIdentity(parseState(pulled.rawStdout)), text: pulled.rawStdout };
    },
    async lock(waitMs) {
      const run = await tool('state lock check', [
        'state',
        'rm',
        '-dry-run',
        `-lock-timeout=${Math.max(0, Math.round(waitMs / 1000))}s`,
        NO_SUCH_ADDRESS,
      ]);
      const output = `${run.result.stdout}\n${run.result.stderr}`;
      if (/Error acquiring the state lock/i.test(output)) {
        const held = parseLockInfo(output);
        if (held) return { ok: true, held };
        return {
          ok: false,
          error: {
            ...stepError(run.result, options.timeoutMs),
            message: 'The state is locked, and the tool did not say by whom.',
          },
        };
      }
      if (run.result.timedOut || run.result.cancelled)
        return { ok: false, error: stepError(run.result, options.timeoutMs) };
      // Not locked: the command took the lock, found nothing to remove (or no state at all) and let go.
      return { ok: true };
    },
    async forceUnlock(id) {
      return failed(await tool('force-unlock', ['force-unlock', '-force', '-no-color', id]));
    },
  };
  return { ok: true, probe };
}

/** The `Lock Info:` block of a lock error (box-drawing and colour codes removed). */
export function parseLockInfo(output: string): StateLock | undefined {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes from the tool
  const plain = output.replace(/\u001b\[[0-9;]*m/g, '').replace(/^[│╷╵|\s]+/gm, '');
  const field = (name: string) => plain.match(new RegExp(`^${name}:[ \\t]*(.*)$`, 'm'))?.[1]?.trim() ?? '';
  const id = field('ID') || plain.match(/ID=(\S+)/)?.[1] || '';
  if (!id) return undefined;
  return { id, who: field('Who'), operation: field('Operation'), created: field('Created') };
}

/** The sandbox host name of an apply attempt: the tool's state lock carries it in `Who`. */
export function attemptHostname(attemptId: string): string {
  return `sluice-${attemptId}`;
}
