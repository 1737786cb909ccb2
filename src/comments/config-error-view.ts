import type { ConfigIssue } from '../config/repo-config.js';
import { codeSpan, messageMarkdown } from './markdown.js';

export interface ConfigErrorView {
  /** e.g. "Sluice could not read `sluice.yaml`". */
  headline: string;
  /** e.g. "Sluice · commit `abc1234`". */
  meta: string;
  /** e.g. "`sluice.yaml:3:5` — Unknown key `projcts`. Did you mean `projects`?" */
  issues: string[];
  nextSteps: string[];
}

export function buildConfigErrorView(issues: readonly ConfigIssue[], headSha?: string): ConfigErrorView {
  const files = [...new Set(issues.map((i) => i.file))];
  const names = files.length > 0 ? files.map(codeSpan).join(' and ') : 'the repo config';
  return {
    headline: `Sluice could not read ${names}`,
    meta: headSha ? `Sluice · commit ${codeSpan(headSha.slice(0, 7))}` : 'Sluice',
    issues: issues.map((i) =>
      `${codeSpan(`${i.file}:${i.line}:${i.column}`)} — ${messageMarkdown(i.message)}`.replace(/\n/g, ' '),
    ),
    nextSteps: [`Fix the ${files.length > 1 ? 'files' : 'file'} and push; nothing was planned.`],
  };
}
