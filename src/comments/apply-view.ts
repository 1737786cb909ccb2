import type { Project } from '../projects/types.js';
import { codeSpan, messageMarkdown, stripAnsi } from './markdown.js';
import { normalizeNewlines } from './plan-text.js';
import { type CodeBlockView, codeBlock, projectTitle } from './view.js';

export interface ApplyProjectView {
  project: Project;
  outcome: 'applied' | 'failed' | 'stale' | 'refused' | 'busy';
  /** One or two sentences: what happened and what to do. */
  message: string;
  /** The tool's output, masked. */
  output: string;
}

/** What templates/apply.liquid shows; every string is Markdown, safe as it is. */
export interface ApplyView {
  headline: string;
  meta: string;
  projects: Array<{ title: string; label: string; message: string; output?: CodeBlockView }>;
}

const LABELS: Record<ApplyProjectView['outcome'], string> = {
  applied: '✅ Applied',
  failed: '❌ Apply failed',
  stale: '⚠️ Not applied: plan stale',
  refused: '⛔ Not applied',
  busy: '⚠️ Not run again',
};

export function buildApplyView(input: {
  sha: string;
  projects: ApplyProjectView[];
  trigger: 'merge' | 'comment';
  requestedBy: string;
}): ApplyView {
  const applied = input.projects.filter((p) => p.outcome === 'applied').length;
  const total = input.projects.length;
  const headline =
    applied === total
      ? `Applied ${total === 1 ? projectTitle(input.projects[0]?.project as Project) : `${total} projects`}`
      : `${applied} of ${total} project${total === 1 ? '' : 's'} applied`;
  const why = input.trigger === 'merge' ? 'on merge' : `on \`sluice apply\` by @${input.requestedBy}`;
  return {
    headline,
    meta: `Sluice · plan of commit ${codeSpan(input.sha.slice(0, 7))} · ${why}`,
    projects: input.projects.map((p) => {
      const output = normalizeNewlines(stripAnsi(p.output)).replace(/\s+$/, '');
      return {
        title: projectTitle(p.project),
        label: LABELS[p.outcome],
        message: messageMarkdown(p.message),
        output: output ? codeBlock('text', output) : undefined,
      };
    }),
  };
}
