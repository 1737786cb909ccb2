import { describe, expect, it } from 'vitest';
import type { PlanView } from '../../../src/comments/view.js';
import { plain, renderPlanText } from '../../../src/local/render-text.js';
import type { ProjectPlanResult } from '../../../src/runner/types.js';

const project = (name: string) => ({
  name,
  dir: name,
  workspace: 'default',
  type: 'terraform' as const,
  reason: 'changed' as const,
});
const tool = { name: 'tofu' as const, version: '1.12.6' };
const summary = (add: number) => ({
  add,
  change: 0,
  destroy: 0,
  replace: 0,
  outputChanges: [],
  resources: [],
  noChanges: add === 0,
});
const planText = [
  'OpenTofu will perform the following actions:',
  '',
  '  # terraform_data.a will be created',
  '  + resource "terraform_data" "a" {',
  '      + input = "a"',
  '    }',
  '',
  '  # terraform_data.b will be destroyed',
  '  - resource "terraform_data" "b" {',
  '    }',
  '',
  'Plan: 1 to add, 0 to change, 1 to destroy.',
].join('\n');
const results: ProjectPlanResult[] = [
  { project: project('envs/app'), status: 'planned', summary: summary(1), planText, tool, durationMs: 2400 },
  {
    project: project('envs/quiet'),
    status: 'planned',
    summary: summary(0),
    planText: 'No changes.',
    tool,
    durationMs: 900,
  },
  {
    project: project('envs/broken'),
    status: 'failed',
    error: {
      step: 'init',
      message: 'Error: Invalid `expression`',
      output: 'line 1\nline 2\nline 3\nline 4\nline 5',
    },
    tool,
    durationMs: 300,
  },
];
const view = {
  headline: '1 of 3 projects failed',
  note: 'Local plan of `feature` at `abc1234`, compared with `main`. Passed from your environment: `AWS\\_PROFILE`.',
  nextSteps: ['Fix the error and run `sluice plan` again.'],
} as PlanView;

describe('renderPlanText', () => {
  it('shows a summary table, the changing and failed projects, and no Markdown', () => {
    const text = renderPlanText(view, results, { color: false, foldAfter: 0 });

    expect(text.split('\n').slice(0, 8)).toEqual([
      '1 of 3 projects failed',
      '',
      'Local plan of feature at abc1234, compared with main. Passed from your environment: AWS_PROFILE.',
      '',
      '  PROJECT      WORKSPACE  RESULT                               TIME',
      '✓ envs/app     default    1 to add, 0 to change, 0 to destroy  2s',
      '✓ envs/quiet   default    no changes                           1s',
      '✗ envs/broken  default    failed at init                       0s',
    ]);
    expect(text).toContain(
      '── envs/app ──\n  # terraform_data.a will be created\n  + resource "terraform_data" "a" {',
    );
    expect(text).not.toContain('── envs/quiet');
    expect(text).toContain('── envs/broken (failed at init) ──\nError: Invalid expression\nline 1\n');
    expect(text.trimEnd().endsWith('Fix the error and run sluice plan again.')).toBe(true);
    expect(text).not.toMatch(/`|<details>/);
    expect(text).not.toContain('\u001b');
  });

  it('colours additions green, removals red and failures red on a terminal', () => {
    const text = renderPlanText(view, results, { color: true, foldAfter: 0 });

    expect(text).toContain('\u001b[32m  + resource "terraform_data" "a" {\u001b[0m');
    expect(text).toContain('\u001b[31m  - resource "terraform_data" "b" {\u001b[0m');
    expect(text).toContain('\u001b[31mError: Invalid expression\u001b[0m');
    expect(text).toContain('\u001b[1m1 of 3 projects failed\u001b[0m');
  });

  it('folds long output after the given number of lines and says how to see it all', () => {
    const text = renderPlanText(view, results, { color: false, foldAfter: 3 });

    expect(text).toContain(
      'line 3\n… 2 more lines folded (--no-fold shows all; --format markdown or json keeps everything)',
    );
    expect(text).not.toContain('line 4');
  });
});

describe('plain', () => {
  it('drops code-span backticks and Markdown escapes', () => {
    expect(plain('`a\\_b` \\*c\\*')).toBe('a_b *c*');
  });
});
