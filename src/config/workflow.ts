import { z } from 'zod';
import { said } from './config-text.js';

/**
 * Workflows: the steps a project's plan and apply run. Built-in steps run the tool with Sluice's own
 * arguments (plus `extra_args`); `run` steps run a command (an argv list, never a shell line) in the
 * same sandbox, in the project dir; `env` steps set a variable for the steps after them.
 */
export type BuiltinStep = 'init' | 'plan' | 'show' | 'apply';

export type Step =
  | { kind: BuiltinStep; extraArgs: string[] }
  | { kind: 'run'; argv: string[] }
  | { kind: 'env'; name: string; value?: string; argv?: string[] };

export interface Workflow {
  plan: Step[];
  apply: Step[];
}

/** What Sluice runs when no workflow is named. */
export const DEFAULT_WORKFLOW_STEPS: Workflow = {
  plan: [
    { kind: 'init', extraArgs: [] },
    // The plan text comes from `plan`'s own output: a `show` run would print it again.
    { kind: 'plan', extraArgs: [] },
  ],
  apply: [{ kind: 'apply', extraArgs: [] }],
};

/**
 * Tool flags a workflow may not add: they would move the plan file, the state or the working directory
 * away from what Sluice reviews and applies.
 */
const BLOCKED_EXTRA_ARGS: Readonly<Record<string, string>> = {
  chdir: 'it would run the tool outside the project folder',
  out: 'Sluice saves the plan file itself, so that apply uses exactly the plan that was reviewed',
  state: 'state is read and written only through the configured backend',
  'state-out': 'state is read and written only through the configured backend',
  backup: 'state is read and written only through the configured backend',
  'plugin-dir': "it would load providers from outside Sluice's provider cache",
};

/** Names of environment variables Sluice sets itself or that hold its secrets: never taken from config. */
export const RESERVED_ENV = /^(PATH|HOME|TMPDIR|TF_IN_AUTOMATION|TF_INPUT|TF_PLUGIN_CACHE_DIR|SLUICE_.*)$/;
export const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const ExtraArgs = said(z.array(z.string()), { expected: 'a list of arguments for the tool' });
const Argv = said(z.array(z.string().min(1)).min(1), {
  expected: 'a command as a list of words, e.g. `[make, lint]`',
});

export const EnvNameSchema = said(
  z.string().superRefine((name, ctx) => {
    if (!ENV_NAME.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `\`${name}\` is not an environment variable name: use letters, digits and \`_\`, not starting with a digit.`,
      });
    } else if (RESERVED_ENV.test(name)) {
      ctx.addIssue({
        code: 'custom',
        message: `\`${name}\` is set by Sluice itself and cannot be configured.`,
      });
    }
  }),
  { expected: 'an environment variable name' },
);

function builtinWithArgs(name: BuiltinStep) {
  return z.strictObject({
    [name]: said(
      z.strictObject({
        extra_args: ExtraArgs.superRefine((args, ctx) => {
          for (const [index, arg] of args.entries()) {
            const flag = /^--?([A-Za-z-]+)/.exec(arg)?.[1];
            const why = flag ? BLOCKED_EXTRA_ARGS[flag] : undefined;
            if (why)
              ctx.addIssue({ code: 'custom', path: [index], message: `\`${arg}\` is not allowed: ${why}.` });
          }
        }),
      }),
      { expected: 'a map with `extra_args`', where: `in the \`${name}\` step` },
    ),
  });
}

const EnvStep = said(
  z
    .strictObject({
      name: EnvNameSchema,
      value: z.string().optional(),
      command: Argv.optional(),
    })
    .superRefine((env, ctx) => {
      if ((env.value === undefined) === (env.command === undefined)) {
        ctx.addIssue({
          code: 'custom',
          message:
            'An `env` step needs exactly one of `value` (the text) or `command` (whose output is the value).',
        });
      }
    }),
  { expected: 'a map with `name` and `value` or `command`', where: 'in an `env` step' },
);

export const StepSchema = said(
  z.union([
    z.enum(['init', 'plan', 'show', 'apply']),
    z.strictObject({ run: Argv }),
    z.strictObject({ env: EnvStep }),
    builtinWithArgs('init'),
    builtinWithArgs('plan'),
    builtinWithArgs('show'),
    builtinWithArgs('apply'),
  ]),
  {
    expected:
      '`init`, `plan`, `show`, `apply`, or a map with one of `run`, `env`, `init`, `plan`, `show`, `apply`',
    where: 'in a step',
  },
);

function stageSchema(stage: 'plan' | 'apply') {
  return said(z.strictObject({ steps: said(z.array(StepSchema), { expected: 'a list of steps' }) }), {
    expected: 'a map with `steps`',
    where: `in \`${stage}\``,
  });
}

export const WorkflowSchema = said(
  z
    .strictObject({ plan: stageSchema('plan').optional(), apply: stageSchema('apply').optional() })
    .superRefine((workflow, ctx) => {
      checkStage(workflow.plan?.steps, 'plan', 'apply', ctx);
      checkStage(workflow.apply?.steps, 'apply', 'plan', ctx);
    }),
  { expected: 'a map with `plan` and/or `apply`', where: 'in a workflow' },
);

export const WorkflowsSchema = said(z.record(z.string().min(1), WorkflowSchema), {
  expected: 'a map of workflows by name',
});

type RawStep = z.output<typeof StepSchema>;

/** A plan stage makes exactly one reviewed plan; an apply stage applies exactly that plan. */
function checkStage(
  steps: RawStep[] | undefined,
  stage: 'plan' | 'apply',
  other: 'plan' | 'apply',
  ctx: z.core.$RefinementCtx,
): void {
  if (steps) checkStageKinds(steps.map(stepKind), stage, other, ctx);
}

/** The same rule on step kinds (`init`, `run`, …), for any workflow syntax. */
export function checkStageKinds(
  kinds: string[],
  stage: 'plan' | 'apply',
  other: 'plan' | 'apply',
  ctx: z.core.$RefinementCtx,
): void {
  for (const [index, kind] of kinds.entries()) {
    if (kind === other) {
      ctx.addIssue({
        code: 'custom',
        path: [stage, 'steps', index],
        message: `A \`${stage}\` stage cannot run \`${other}\`.`,
      });
    }
  }
  const count = kinds.filter((k) => k === stage).length;
  if (count !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: [stage, 'steps'],
      message: `The \`${stage}\` stage needs exactly one \`${stage}\` step (it has ${count}): Sluice ${stage === 'plan' ? 'saves that plan for review' : 'applies the reviewed plan there'}.`,
    });
  }
}

export function stepKind(step: unknown): string {
  return typeof step === 'string' ? step : (Object.keys(step as object)[0] as string);
}

export function toStep(step: RawStep): Step {
  if (typeof step === 'string') return { kind: step, extraArgs: [] };
  const [kind, args] = Object.entries(step)[0] as [string, unknown];
  if (kind === 'run') return { kind: 'run', argv: args as string[] };
  if (kind === 'env') {
    const { name, value, command } = args as { name: string; value?: string; command?: string[] };
    return command ? { kind: 'env', name, argv: command } : { kind: 'env', name, value };
  }
  return { kind: kind as BuiltinStep, extraArgs: (args as { extra_args: string[] }).extra_args };
}

export function toWorkflow(raw: z.output<typeof WorkflowSchema>): Workflow {
  return {
    plan: raw.plan ? raw.plan.steps.map(toStep) : DEFAULT_WORKFLOW_STEPS.plan,
    apply: raw.apply ? raw.apply.steps.map(toStep) : DEFAULT_WORKFLOW_STEPS.apply,
  };
}

export function toWorkflows(raw: Record<string, z.output<typeof WorkflowSchema>> | undefined) {
  return Object.fromEntries(Object.entries(raw ?? {}).map(([name, w]) => [name, toWorkflow(w)]));
}
