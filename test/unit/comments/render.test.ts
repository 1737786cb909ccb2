import { describe, expect, it } from 'vitest';
import { GENERIC_CHANGE_REQUEST } from '../../../src/comments/change-request.js';
import { kindMarker, parsePartNumber, partMarker } from '../../../src/comments/markers.js';
import { renderConfigErrorComment, renderPlanComment } from '../../../src/comments/render.js';
import { buildPlanView, type PlanCommentInput } from '../../../src/comments/view.js';
import {
  failed,
  HEAD_SHA,
  hugePlan,
  NETWORK_PLAN,
  NETWORK_SUMMARY,
  NO_CHANGES_PLAN,
  NO_CHANGES_SUMMARY,
  PROD_PLAN,
  PROD_SUMMARY,
  planned,
  project,
  STAGING_ERROR,
} from '../../golden/fixtures.js';

/**
 * Golden files: each comment is compared with test/golden/<case>.md, or <case>.part<n>.md per part when
 * it is split. After an intended change, rewrite them with
 * `npx vitest run test/unit/comments/render.test.ts -u` and read the diff as a PR reader would.
 * Where CI is set, vitest never writes snapshots, so a missing golden file fails the run.
 */

const MARKER = kindMarker('plan');
/** GitHub's limit. */
const MAX_LENGTH = 65_536;
/** Small enough that a plan of a few dozen resources takes several parts. */
const TINY_MAX_LENGTH = 4_000;

const PROD = project('envs/prod');
const NETWORK = project('envs/network');
const STAGING = project('envs/staging');

async function planComment(
  input: Partial<PlanCommentInput>,
  opts: { maxLength?: number; maxParts?: number } = {},
): Promise<string[]> {
  const maxLength = opts.maxLength ?? MAX_LENGTH;
  const view = buildPlanView({
    headSha: HEAD_SHA,
    results: [],
    commandHint: 'sluice plan',
    changeRequest: GENERIC_CHANGE_REQUEST,
    ...input,
  });
  const parts = await renderPlanComment(view, { maxLength, marker: MARKER, maxParts: opts.maxParts });
  expectWellFormed(parts, maxLength);
  return parts;
}

async function expectGolden(name: string, parts: readonly string[]): Promise<void> {
  for (const [index, part] of parts.entries()) {
    const file = parts.length === 1 ? `${name}.md` : `${name}.part${index + 1}.md`;
    await expect(part).toMatchFileSnapshot(`../../golden/${file}`);
  }
}

/** What every comment part must be, whatever its content. */
function expectWellFormed(parts: readonly string[], maxLength: number): void {
  expect(parts.length).toBeGreaterThan(0);
  for (const [index, part] of parts.entries()) {
    const number = index + 1;
    const context = `part ${number} of ${parts.length}:\n${part}`;
    expect(part.length, context).toBeLessThanOrEqual(maxLength);
    expect(part.startsWith(number === 1 ? `${MARKER}\n` : `${MARKER}${partMarker(MARKER, number)}\n`)).toBe(
      true,
    );
    expect(parsePartNumber(part)).toBe(number);
    if (parts.length > 1) expect(part).toContain(`\n**Part ${number} of ${parts.length}**\n\n`);
    else expect(part).not.toContain('**Part ');

    const prose = proseLines(part);
    expect(prose, context).not.toContain(UNCLOSED_FENCE);
    let details = 0;
    for (const line of prose) {
      details += count(line, '<details') - count(line, '</details>');
      expect(details, context).toBeGreaterThanOrEqual(0);
    }
    expect(details, context).toBe(0);

    const text = prose.join('\n');
    // Noise a reader would see: runs of blank lines, stray whitespace, template leftovers.
    expect(text, context).not.toMatch(/\n\n\n|\n\n$/);
    expect(text, context).not.toMatch(/[ \t]$/m);
    expect(part, context).not.toMatch(/undefined|\[object |\{\{|\{%/);
    // Two lists with only a blank line between them render as one.
    expect(text, context).not.toMatch(/^- .*\n\n- /m);
  }
}

const UNCLOSED_FENCE = '<unclosed code fence>';

/** The lines of `part` outside code blocks, each block shown as one `<code>` line. */
function proseLines(part: string): string[] {
  const out: string[] = [];
  let fence: string | undefined;
  for (const line of part.split('\n')) {
    if (fence) {
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line)?.[1];
      if (close && close[0] === fence[0] && close.length >= fence.length) fence = undefined;
      continue;
    }
    fence = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    out.push(fence ? '<code>' : line);
  }
  if (fence) out.push(UNCLOSED_FENCE);
  return out;
}

function count(text: string, search: string): number {
  return text.split(search).length - 1;
}

/** The lines of the resource list: the first ```diff block in the section titled `title`. */
function resourceList(comment: string, title: string): string[] {
  const section =
    comment.split(/^### /m).find((s) => s.startsWith(`${title}\n`) || s.startsWith(`${title} · plan `)) ?? '';
  return /^```diff\n([\s\S]*?)\n```$/m.exec(section)?.[1]?.split('\n') ?? [];
}

/** The last paragraph: what the reader can do next. */
function nextStep(comment: string): string {
  return comment.trimEnd().split('\n\n').at(-1) ?? '';
}

describe('plan comment', () => {
  it('two projects planned, one with a replacement', async () => {
    const parts = await planComment({
      results: [
        { ...planned(PROD, PROD_PLAN, PROD_SUMMARY), planId: '9f8e7d6c' },
        { ...planned(NETWORK, NETWORK_PLAN, NETWORK_SUMMARY), planId: 'a1b2c3d4' },
      ],
      logsUrl: 'https://sluice.example.com/runs/8f2c',
    });
    expect(parts).toHaveLength(1);
    const [comment = ''] = parts;
    expect(comment).toContain('\n## 2 projects planned: 4 to add, 1 to change, 1 to destroy\n');
    expect(comment).toContain(
      '\nSluice · commit `3f9c2e1` · OpenTofu 1.8.5 · [logs](https://sluice.example.com/runs/8f2c)\n',
    );
    // Each plan's short id beside its project: what an approval is given for.
    expect(comment).toContain('\n### `envs/prod` · plan `9f8e7d6c`\n');
    expect(comment).toContain('\n### `envs/network` · plan `a1b2c3d4`\n');
    expect(comment).toContain('\n**Plan: 2 to add, 1 to change, 0 to destroy**\n');
    expect(comment).toContain('\n**Plan: 2 to add, 0 to change, 1 to destroy (1 replacement)**\n');
    expect(comment).toContain('\nOutputs that change: `name`\n');
    expect(resourceList(comment, '`envs/prod`')).toEqual([
      '!   terraform_data.prod_0',
      '+   terraform_data.prod_2',
      '+   module.bucket.terraform_data.policy',
    ]);
    expect(resourceList(comment, '`envs/network`')).toEqual([
      '-/+ terraform_data.network_0',
      '+   terraform_data.network_1',
    ]);
    // The folded plan keeps the changes, without the symbol legend, with markers moved to the line start.
    expect(count(comment, '<details><summary>Show plan</summary>')).toBe(2);
    expect(comment).not.toContain('Resource actions are indicated');
    expect(comment).toContain('\n!       input  = "prod-0" -> "prod-0-v2"\n');
    expect(nextStep(comment)).toBe('To plan again: comment `sluice plan`. To apply: approve and merge.');
    await expectGolden('two-projects', parts);
  });

  it('one project failed, one planned', async () => {
    const parts = await planComment({
      results: [failed(STAGING, STAGING_ERROR), planned(PROD, PROD_PLAN, PROD_SUMMARY)],
    });
    expect(parts).toHaveLength(1);
    const [comment = ''] = parts;
    expect(comment).toContain('\n## 1 of 2 projects failed\n');
    expect(comment).toContain(
      '\n### `envs/staging`\n\n**Plan failed at `plan`**\n\n> Error: Unsupported argument\n',
    );
    // The tool's stderr, verbatim, in a folded block.
    expect(comment).toContain(
      `<details><summary>Show output</summary>\n\n\`\`\`text\n${STAGING_ERROR.output.trimEnd()}\n\`\`\`\n\n</details>`,
    );
    expect(comment).toContain('An argument named "inputs" is not expected here. Did you mean "input"?');
    // The project that planned is still shown in full.
    expect(resourceList(comment, '`envs/prod`')).toHaveLength(3);
    expect(nextStep(comment)).toBe(
      'Fix the error and push; Sluice plans every new commit. To retry without a change: comment `sluice plan`.',
    );
    await expectGolden('failed-and-planned', parts);
  });

  it('no changes', async () => {
    const parts = await planComment({ results: [planned(PROD, NO_CHANGES_PLAN, NO_CHANGES_SUMMARY)] });
    expect(parts).toHaveLength(1);
    const [comment = ''] = parts;
    expect(comment).toContain('\n## 1 project planned: no changes\n');
    expect(comment).toContain('\n**No changes. Infrastructure matches the configuration.**\n');
    expect(comment).not.toContain('```');
    expect(comment).not.toContain('<details>');
    expect(nextStep(comment)).toBe('Nothing to apply. To plan again: comment `sluice plan`.');
    await expectGolden('no-changes', parts);
  });

  it('pending: no plan finished yet', async () => {
    const parts = await planComment({ pending: [PROD, NETWORK] });
    const [comment = ''] = parts;
    expect(comment).toContain('\n## Planning 2 projects…\n');
    expect(comment).toContain('\n### Waiting to plan\n\n- `envs/prod`\n- `envs/network`\n');
    expect(nextStep(comment)).toBe('This comment is updated when the plans finish.');
    await expectGolden('pending-start', parts);
  });

  it('pending: one plan finished, two waiting', async () => {
    const parts = await planComment({
      results: [planned(PROD, PROD_PLAN, PROD_SUMMARY)],
      pending: [STAGING, project('envs/app', { name: 'envs/app:blue', workspace: 'blue' })],
    });
    const [comment = ''] = parts;
    expect(comment).toContain('\n## Planning 3 projects… (1 done)\n');
    expect(resourceList(comment, '`envs/prod`')).toHaveLength(3);
    expect(comment).toContain('\n### Waiting to plan\n\n- `envs/staging`\n- `envs/app` · workspace `blue`\n');
    expect(comment.indexOf('### `envs/prod`')).toBeLessThan(comment.indexOf('### Waiting to plan'));
    await expectGolden('pending', parts);
  });

  it('nothing to plan any more (a later commit no longer changes any project)', async () => {
    const parts = await planComment({});
    const [comment = ''] = parts;
    expect(comment).toContain('\n## Nothing to plan\n');
    expect(comment).not.toContain('###');
    expect(nextStep(comment)).toContain('nothing to apply');
    await expectGolden('nothing-to-plan', parts);
  });

  it('a project in a non-default workspace', async () => {
    const app = project('envs/app', { name: 'envs/app:staging', workspace: 'staging' });
    const parts = await planComment({ results: [planned(app, PROD_PLAN, PROD_SUMMARY)] });
    const [comment = ''] = parts;
    expect(comment).toContain('\n### `envs/app` · workspace `staging`\n');
    expect(resourceList(comment, '`envs/app` · workspace `staging`')).toHaveLength(3);
    await expectGolden('workspace', parts);
  });

  it('a project planned because a module it calls changed', async () => {
    const parts = await planComment({
      results: [planned(project('envs/prod', { reason: 'module' }), PROD_PLAN, PROD_SUMMARY)],
    });
    const [comment = ''] = parts;
    expect(comment).toContain(
      '\n**Plan: 2 to add, 1 to change, 0 to destroy**\n\n_Planned because a local module it calls changed._\n',
    );
    await expectGolden('module-reason', parts);
  });

  it('three projects: a summary list, then the repo config problems', async () => {
    const networkEu = project('envs/network', { name: 'network-eu', workspace: 'eu-west' });
    const parts = await planComment({
      results: [
        planned(PROD, PROD_PLAN, PROD_SUMMARY),
        planned(networkEu, NETWORK_PLAN, NETWORK_SUMMARY),
        failed(STAGING, STAGING_ERROR),
      ],
      configIssues: [
        {
          file: 'sluice.yaml',
          line: 14,
          column: 9,
          message:
            'Pattern `../shared/*.tf` matches no file;\nthe project is planned only when its own files change.',
        },
      ],
    });
    const [comment = ''] = parts;
    expect(comment).toContain('\n## 1 of 3 projects failed\n');
    expect(comment).toContain(
      [
        '- `envs/prod` — 2 to add, 1 to change, 0 to destroy',
        '- `network-eu` · `envs/network` · workspace `eu-west` — 2 to add, 0 to change, 1 to destroy',
        '- `envs/staging` — failed at `plan`',
        '',
        '**Problems in the repo config:**',
        '',
        '- `sluice.yaml:14:9` — Pattern `../shared/*.tf` matches no file; the project is planned only when its own files change.',
        '',
      ].join('\n'),
    );
    expect(comment).toContain('\n### `network-eu` · `envs/network` · workspace `eu-west`\n');
    await expectGolden('three-projects', parts);
  });
});

describe('plan comment split into parts', () => {
  const huge = hugePlan(40);
  const addresses = huge.summary.resources.map((r) => r.address);
  const results = [
    planned(project('envs/logs'), huge.planText, huge.summary),
    planned(PROD, PROD_PLAN, PROD_SUMMARY),
  ];

  it(`splits a long plan into numbered parts of at most ${TINY_MAX_LENGTH} characters`, async () => {
    const parts = await planComment({ results }, { maxLength: TINY_MAX_LENGTH });
    expect(parts).toHaveLength(8);
    const [first = '', second = ''] = parts;
    // The headline and the resource list come first, whole.
    expect(first).toContain('\n## 2 projects planned: 42 to add, 1 to change, 0 to destroy\n');
    const list = resourceList(first, '`envs/logs`');
    expect(list).toHaveLength(26);
    expect(list[0]).toBe('+   aws_s3_bucket.logs["tenant-0000"]');
    expect(list.at(-1)).toBe('    … and 15 more in the plan below');
    // The folded plan runs over the following parts, each re-opening it.
    expect(second).toContain('\n<details><summary>Show plan</summary>\n');
    for (const part of parts.slice(2)) {
      expect(part).toContain('\n<details><summary>Show plan (continued)</summary>\n\n```diff\n');
    }
    // Nothing is lost or repeated, and parts end between resources, not inside one.
    const all = parts.join('');
    for (const address of addresses) expect(count(all, `# ${address} will be created\n`)).toBe(1);
    for (const part of parts.slice(1, -1)) expect(part).toMatch(/\n {4}\}\n\n```\n\n<\/details>\n$/);
    // The next project, short enough for one part, is not split.
    const prod = parts.find((part) => part.includes('\n### `envs/prod`\n')) ?? '';
    expect(resourceList(prod, '`envs/prod`')).toHaveLength(3);
    expect(prod).toContain('\n!   name = "prod" -> "prod-v2"\n```\n\n</details>\n');
    expect(nextStep(parts.at(-1) ?? '')).toContain('`sluice plan`');
    await expectGolden('huge-plan', parts);
  });

  it(`fits a long plan in parts of ${MAX_LENGTH} characters`, async () => {
    // 150 resources, about 90 000 characters: the same structure as above, too long for a golden file.
    const { planText, summary } = hugePlan(150);
    const parts = await planComment({ results: [planned(project('envs/logs'), planText, summary)] });
    expect(parts).toHaveLength(2);
    const all = parts.join('');
    for (const { address } of summary.resources) {
      expect(count(all, `# ${address} will be created\n`)).toBe(1);
    }
    expect(parts[0]).toMatch(/\n {4}\}\n\n```\n\n<\/details>\n$/);
  });

  it('shortens the folded plans when the comment would need more than maxParts parts', async () => {
    const parts = await planComment({ results }, { maxLength: TINY_MAX_LENGTH, maxParts: 3 });
    expect(parts).toHaveLength(3);
    const all = parts.join('');
    // The headline and resource list still tell the whole story; only the folded plan is cut.
    expect(all).toContain('\n## 2 projects planned: 42 to add, 1 to change, 0 to destroy\n');
    const note = /\n {2}… (\d+) more lines of the plan left out: too long for a comment\.\n```\n/.exec(all);
    // It counts what is left out of the whole plan: 13 lines or more for each resource not shown.
    const shown = addresses.filter((address) => all.includes(`# ${address} will be created\n`)).length;
    expect(shown).toBeGreaterThan(0);
    expect(Number(note?.[1])).toBeGreaterThanOrEqual((addresses.length - shown) * 13);
    expect(all).toContain('\n### `envs/prod`\n');
    expect(nextStep(parts.at(-1) ?? '')).toContain('`sluice plan`');
    await expectGolden('huge-plan-shortened', parts);
  });
});

describe('config error comment', () => {
  it('names the file, line and column of each problem', async () => {
    const parts = await renderConfigErrorComment(
      [
        {
          file: 'sluice.yaml',
          line: 1,
          column: 10,
          message: '`version` must be the number 1, not the number 3.',
        },
        {
          file: 'sluice.yaml',
          line: 4,
          column: 5,
          message: 'Unknown key `workspce` in a project. Did you mean `workspace`?',
        },
      ],
      { maxLength: MAX_LENGTH, marker: MARKER, headSha: HEAD_SHA },
    );
    expectWellFormed(parts, MAX_LENGTH);
    const [comment = ''] = parts;
    expect(comment).toContain('\n## Sluice could not read `sluice.yaml`\n');
    expect(comment).toContain('\nSluice · commit `3f9c2e1`\n');
    expect(comment).toContain(
      '\n- `sluice.yaml:1:10` — `version` must be the number 1, not the number 3.\n' +
        '- `sluice.yaml:4:5` — Unknown key `workspce` in a project. Did you mean `workspace`?\n',
    );
    expect(nextStep(comment)).toBe('Fix the file and push; nothing was planned.');
    await expectGolden('config-error', parts);
  });
});
