import { codeSpan, escapeText, fenceFor, messageMarkdown, stripAnsi } from '../comments/markdown.js';
import type { ColumnChanges, DbtPlanResult, NodeChange, NodeFailure, TestCounts } from './plan-result.js';
import { renderLineage } from './render-lineage.js';

export interface RenderDbtPlanOptions {
  /** Whether the forge renders Mermaid (ForgeCapabilities.mermaid); otherwise a text tree. */
  mermaid: boolean;
  /** Rows of the impact table before "N more". Default 40. */
  maxRows?: number;
  /** Nodes of the lineage graph before "N more". Default 30. */
  maxLineageNodes?: number;
  /** Compiled SQL diffs shown (each folded). Default 10. */
  maxSqlDiffs?: number;
  /** Characters of one SQL diff before it is cut. Default 6000. */
  maxDiffChars?: number;
  /** Start with the `### headline` (default); off where the caller shows dbtPlanHeadline itself. */
  headline?: boolean;
}

const REASON_TEXT: Record<string, string> = {
  new: 'new',
  removed: 'removed',
  body: 'SQL changed',
  config: 'config',
  relation: 'relation',
  contract: 'contract',
  macros: 'macro',
  access: 'access',
  description: 'docs',
  meta: 'meta',
};

/**
 * A dbt plan as Markdown for a PR comment: headline, breaking changes, the impact table (model |
 * reason | category | columns ± | tests | what apply will do), downstream lineage, failures, test
 * totals and the compiled SQL diffs folded. Pure; every PR-controlled string is escaped or in code.
 * Only names, types and counts are shown: never rows of data.
 */
export function renderDbtPlan(result: DbtPlanResult, options: RenderDbtPlanOptions): string {
  const parts: string[] = [
    ...(options.headline === false ? [] : [`### ${dbtPlanHeadline(result)}`]),
    meta(result),
  ];
  if (result.status === 'error' && result.error) {
    parts.push(`**Stopped at ${codeSpan(result.error.step)}:**`, quote(result.error.message));
    if (result.error.output.trim()) parts.push(folded('dbt output', codeBlock(result.error.output, 'text')));
    return parts.join('\n\n');
  }
  if (result.status === 'cancelled') return [...parts, '_Cancelled._'].join('\n\n');
  if (result.breaking.length > 0) parts.push(breakingSection(result.breaking));
  const rows = [...result.changes, ...result.downstream];
  if (rows.length > 0) parts.push(impactTable(rows, options.maxRows ?? 40));
  else parts.push('_No models, seeds, snapshots or sources changed._');
  const counted = rows.filter((row) => row.rows !== undefined);
  if (counted.length > 0) parts.push(rowCountTable(counted, options.maxRows ?? 40));
  const lineage = renderLineage(result, {
    mermaid: options.mermaid,
    maxNodes: options.maxLineageNodes ?? 30,
  });
  if (lineage) parts.push(`**Downstream**\n\n${lineage}`);
  if (result.failures.length > 0) parts.push(failuresSection(result.failures));
  parts.push(testLine(result));
  const sql = sqlSection(result, options.maxSqlDiffs ?? 10, options.maxDiffChars ?? 6000);
  if (sql) parts.push(sql);
  if (result.notes.length > 0) parts.push(result.notes.map((n) => `_${messageMarkdown(n)}_`).join('\n'));
  return parts.join('\n\n');
}

/** e.g. "dbt plan for `shop`: 1 change, 2 downstream, 1 exposure affected" (Markdown). */
export function dbtPlanHeadline(result: DbtPlanResult): string {
  const title = codeSpan(result.project.name);
  if (result.status === 'error') return `dbt could not plan ${title}`;
  if (result.status === 'cancelled') return `dbt plan cancelled for ${title}`;
  const changed = result.changes.length;
  const summary = `${count(changed, 'change')}, ${result.downstream.length} downstream, ${count(result.exposures.length, 'exposure')} affected`;
  if (result.status === 'failed') {
    const why =
      result.breaking.length > 0
        ? count(result.breaking.length, 'breaking change')
        : `${count(result.failures.filter((f) => f.status !== 'skipped').length, 'node')} failed`;
    return `dbt plan failed for ${title}: ${why} (${summary})`;
  }
  return `dbt plan for ${title}: ${summary}`;
}

function meta(result: DbtPlanResult): string {
  const bits = [`Sluice · commit ${codeSpan(result.headSha.slice(0, 7))}`];
  if (result.versions.dbt) bits.push(escapeText(`dbt ${result.versions.dbt}`));
  const adapter = result.versions.adapter;
  if (adapter) bits.push(escapeText(`${adapter.name}${adapter.version ? ` ${adapter.version}` : ''}`));
  if (result.bootstrap) bits.push('no production manifest (bootstrap)');
  else if (result.baseManifestHash) {
    bits.push(`against production manifest ${codeSpan(result.baseManifestHash.slice(0, 12))}`);
  }
  bits.push(`${result.dataBuild ? 'data build' : 'zero-row build'} in schema ${codeSpan(result.schema)}`);
  return bits.join(' · ');
}

function breakingSection(lines: readonly string[]): string {
  return [
    '> [!CAUTION]',
    '> **Breaking change — this plan fails.** Consumers of these models can break:',
    ...lines.map((line) => `> - ${messageMarkdown(line)}`),
    '>',
    '> Keep the old shape (add instead of remove or retype), or publish a new model version and deprecate the old one.',
  ].join('\n');
}

/** Rows per built model, production against this PR's data build: counts only. */
function rowCountTable(rows: readonly NodeChange[], maxRows: number): string {
  const lines = [
    '**Row counts**',
    '',
    '| model | production | this PR | change |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const row of rows.slice(0, maxRows)) {
    const pr = row.rows?.pr ?? 0;
    const before = row.rows?.production;
    const change =
      before === undefined
        ? 'new'
        : pr === before
          ? '±0'
          : `${pr > before ? '+' : '−'}${Math.abs(pr - before)}${before > 0 ? ` (${pr > before ? '+' : '−'}${Math.round((Math.abs(pr - before) / before) * 1000) / 10} %)` : ''}`;
    lines.push(`| ${codeSpan(row.name)} | ${before ?? '–'} | ${pr} | ${change} |`);
  }
  if (rows.length > maxRows) lines.push('', `_…and ${rows.length - maxRows} more._`);
  return lines.join('\n');
}

function impactTable(rows: readonly NodeChange[], maxRows: number): string {
  const lines = [
    '| model | reason | category | columns ± | tests | what apply will do |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of rows.slice(0, maxRows)) {
    const name =
      row.resourceType === 'model'
        ? codeSpan(row.name)
        : `${codeSpan(row.name)} (${escapeText(row.resourceType)})`;
    const reasons =
      row.category === 'indirect'
        ? 'upstream changed'
        : row.reasons.map((r) => REASON_TEXT[r] ?? r).join(', ');
    const details = row.details.length > 0 ? `<br>${row.details.map(messageMarkdown).join('<br>')}` : '';
    lines.push(
      `| ${[
        name,
        `${escapeText(reasons)}${details}`,
        row.category,
        columnsCell(row.columns),
        testsCell(row.tests),
        escapeText(row.applyAction),
      ]
        .map(cell)
        .join(' | ')} |`,
    );
  }
  if (rows.length > maxRows) lines.push('', `_${rows.length - maxRows} more not shown._`);
  return lines.join('\n');
}

/** A table cell: one line, no unescaped pipe. */
function cell(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/(?<!\\)\|/g, '\\|') || ' ';
}

function columnsCell(columns: ColumnChanges | undefined): string {
  if (!columns) return '';
  const parts = [
    ...columns.added.map((c) => `+${codeSpan(c)}`),
    ...columns.removed.map((c) => `−${codeSpan(c)}`),
    ...columns.typeChanged.map((c) => `~${codeSpan(c.name)} ${escapeText(`${c.from} → ${c.to}`)}`),
  ];
  if (parts.length === 0) return 'none';
  return parts.length > 6
    ? `+${columns.added.length} −${columns.removed.length} ~${columns.typeChanged.length}`
    : parts.join(' ');
}

function testsCell(tests: TestCounts | undefined): string {
  if (!tests) return '';
  const bits = [
    tests.passed ? `${tests.passed} ✓` : '',
    tests.failed + tests.errored ? `${tests.failed + tests.errored} ✗` : '',
    tests.warned ? `${tests.warned} ⚠` : '',
    tests.skipped ? `${tests.skipped} skipped` : '',
  ].filter(Boolean);
  return bits.join(' ');
}

function failuresSection(failures: readonly NodeFailure[]): string {
  const lines = ['**Failed in the zero-row build**', ''];
  for (const f of failures) {
    const icon = f.status === 'warn' ? '⚠️' : f.status === 'skipped' ? '⏭️' : '❌';
    const rows = f.failures != null && f.failures > 0 ? ` — ${count(f.failures, 'failing row')}` : '';
    lines.push(`- ${icon} ${codeSpan(f.name)} (${escapeText(f.resourceType)}, ${f.status})${rows}`);
    if (f.message && f.status !== 'skipped') {
      const first = f.message.split('\n')[0] ?? '';
      lines.push(`  ${escapeText(first)}`);
    }
  }
  const detailed = failures.filter((f) => f.message.includes('\n'));
  if (detailed.length > 0) {
    lines.push(
      '',
      folded(
        'dbt messages',
        detailed.map((f) => `${codeSpan(f.name)}\n\n${codeBlock(f.message, 'text')}`).join('\n\n'),
      ),
    );
  }
  return lines.join('\n');
}

function testLine(result: DbtPlanResult): string {
  const t = result.tests;
  const u = result.unitTests;
  const line = [
    `Data tests: ${t.passed} passed, ${t.failed + t.errored} failed${t.warned ? `, ${t.warned} warned` : ''}${t.skipped ? `, ${t.skipped} skipped` : ''}`,
    `unit tests: ${u.passed} passed, ${u.failed + u.errored} failed${u.skipped ? `, ${u.skipped} skipped` : ''}`,
  ].join(' · ');
  const tc = result.testChanges;
  const changed = [
    tc.added.length ? `added ${names(tc.added)}` : '',
    tc.changed.length ? `changed ${names(tc.changed)}` : '',
    tc.removed.length ? `removed ${names(tc.removed)}` : '',
  ].filter(Boolean);
  return changed.length > 0 ? `${line}\nTests in this PR: ${changed.join('; ')}` : line;
}

function names(list: readonly string[], max = 8): string {
  const shown = list.slice(0, max).map(codeSpan).join(', ');
  return list.length > max ? `${shown} and ${list.length - max} more` : shown;
}

function sqlSection(result: DbtPlanResult, max: number, maxChars: number): string {
  if (result.sqlDiffs.length === 0) return '';
  const blocks = result.sqlDiffs.slice(0, max).map((d) => {
    const body = d.diff.length > maxChars ? `${d.diff.slice(0, maxChars)}\n… (cut)` : d.diff;
    const from =
      d.baseFrom === 'raw'
        ? ' (source; production has no compiled SQL)'
        : d.baseFrom === 'none'
          ? ' (new)'
          : '';
    return folded(`Compiled SQL: <code>${html(d.name)}</code>${html(from)}`, codeBlock(body, 'diff'));
  });
  if (result.sqlDiffs.length > max)
    blocks.push(`_${result.sqlDiffs.length - max} more SQL diffs not shown._`);
  return blocks.join('\n');
}

/** Text for HTML (a `<summary>`), where Markdown is not rendered. */
function html(text: string): string {
  return (
    text
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      // As escapeText does: no mentions, no issue references.
      .replace(/@(?=[A-Za-z0-9])|#(?=\d)/g, '$&&#8203;')
  );
}

/** `summary` is HTML. */
function folded(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

function codeBlock(text: string, lang: string): string {
  const body = stripAnsi(text).replace(/\r\n?/g, '\n').replace(/\n+$/, '');
  const fence = fenceFor(body);
  return `${fence}${lang}\n${body}\n${fence}`;
}

function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${escapeText(line)}`)
    .join('\n');
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
