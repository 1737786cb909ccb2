import { stripAnsi } from '../comments/markdown.js';

/** What dbt's exit code means (https://docs.getdbt.com/reference/exit-codes). */
export type DbtExit = 'ok' | 'ran-with-failures' | 'could-not-run';

export function dbtExit(code: number | null): DbtExit {
  if (code === 0) return 'ok';
  if (code === 1) return 'ran-with-failures';
  return 'could-not-run';
}

/** The time dbt puts before each log line in text format: `17:12:24  `. */
const TIMESTAMP = /^\s*\d{2}:\d{2}:\d{2}(?:\.\d+)?\s+/;

/**
 * The reason dbt gives for stopping: the block after "Encountered an error:", else the first
 * error-looking lines. Timestamps and colours dropped; at most `maxLines` lines.
 */
export function dbtErrorMessage(output: string, maxLines = 20): string | undefined {
  const lines = stripAnsi(output)
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(TIMESTAMP, ''));
  const start = lines.findIndex((line) => line.trim() === 'Encountered an error:');
  if (start !== -1) {
    return take(lines.slice(start + 1), maxLines);
  }
  const first = lines.findIndex((line) => /\b(Error|error:)/.test(line));
  return first === -1 ? undefined : take(lines.slice(first), maxLines);
}

function take(lines: string[], max: number): string | undefined {
  const kept: string[] = [];
  for (const line of lines) {
    if (kept.length >= max) break;
    kept.push(line.replace(/\s+$/, ''));
  }
  const text = kept.join('\n').trim();
  return text === '' ? undefined : text;
}
