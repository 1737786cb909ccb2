import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Liquid } from 'liquidjs';
import type { ConfigIssue } from '../config/repo-config.js';
import type { ApplyView } from './apply-view.js';
import { buildConfigErrorView } from './config-error-view.js';
import { shrinkView } from './fit.js';
import type { JobErrorView } from './job-error-view.js';
import { partMarker } from './markers.js';
import { splitMarkdown } from './split.js';
import { tidyMarkdown } from './tidy.js';
import type { PlanView } from './view.js';

export interface RenderOptions {
  /** An admin's folder of templates, searched before the defaults; it may override any of them. */
  templatesDir?: string;
  /** Largest comment the forge accepts, in characters. */
  maxLength: number;
  /** The hidden marker every part starts with (see markers.ts). */
  marker: string;
  /** At most this many parts; longer plans are shortened to fit. Default 10. */
  maxParts?: number;
}

export const DEFAULT_MAX_PARTS = 10;

/** Renders the plan comment as one or more parts, each at most `maxLength` characters. */
export async function renderPlanComment(view: PlanView, opts: RenderOptions): Promise<string[]> {
  const liquid = createLiquid(opts.templatesDir);
  const maxParts = opts.maxParts ?? DEFAULT_MAX_PARTS;
  const budget = bodyBudget(opts);
  const full = await renderBody(liquid, 'plan', { view });
  let parts = splitMarkdown(full, budget);
  // Too many parts: cut the folded plans down, a little harder each time the split wastes room. Always
  // from the whole view: cutting a cut block again would count the lines left out of the cut block only.
  for (let attempt = 1; parts.length > maxParts && attempt <= 5; attempt++) {
    const capacity = maxParts * budget * 0.9 ** attempt;
    const body = await renderBody(liquid, 'plan', { view: shrinkView(view, full.length - capacity) });
    parts = splitMarkdown(body, budget);
  }
  return frame(parts.slice(0, maxParts), opts.marker);
}

/** Renders the comment that replaces the plan when the repo config cannot be read. */
export async function renderConfigErrorComment(
  issues: readonly ConfigIssue[],
  opts: RenderOptions & { headSha?: string },
): Promise<string[]> {
  const liquid = createLiquid(opts.templatesDir);
  const body = await renderBody(liquid, 'config-error', { view: buildConfigErrorView(issues, opts.headSha) });
  return frame(
    splitMarkdown(body, bodyBudget(opts)).slice(0, opts.maxParts ?? DEFAULT_MAX_PARTS),
    opts.marker,
  );
}

/** Renders the apply results comment (templates/apply.liquid). */
export async function renderApplyComment(view: ApplyView, opts: RenderOptions): Promise<string[]> {
  const body = await renderBody(createLiquid(opts.templatesDir), 'apply', { view });
  return frame(
    splitMarkdown(body, bodyBudget(opts)).slice(0, opts.maxParts ?? DEFAULT_MAX_PARTS),
    opts.marker,
  );
}

/** Renders the comment for a job that ended in an error (templates/job-error.liquid). */
export async function renderJobErrorComment(
  view: JobErrorView,
  opts: { templatesDir?: string },
): Promise<string> {
  return renderBody(createLiquid(opts.templatesDir), 'job-error', { view });
}

/** Renders a short notice (a template of its own, e.g. `sandbox-unavailable`) to Markdown. */
export async function renderNotice(
  template: string,
  scope: Record<string, string>,
  templatesDir?: string,
): Promise<string> {
  return renderBody(createLiquid(templatesDir), template, scope);
}

function createLiquid(templatesDir: string | undefined): Liquid {
  return new Liquid({
    root: templatesDir ? [templatesDir, defaultTemplatesDir()] : [defaultTemplatesDir()],
    extname: '.liquid',
    strictFilters: true,
    outputEscape: undefined,
    ownPropertyOnly: true,
    cache: false,
  });
}

async function renderBody(liquid: Liquid, template: string, scope: object): Promise<string> {
  return tidyMarkdown(await liquid.renderFile(template, scope));
}

/** Room for the body in one part, after the marker, part marker and "Part k of n" header. */
function bodyBudget(opts: RenderOptions): number {
  const budget = opts.maxLength - header(opts.marker, 999, 999).length;
  if (budget < 200) throw new RangeError(`maxLength ${opts.maxLength} leaves no room for a comment`);
  return budget;
}

function frame(parts: readonly string[], marker: string): string[] {
  if (parts.length <= 1) return [`${marker}\n${parts[0] ?? ''}`];
  // A part that ends between paragraphs ends with a blank line; the comment need not.
  return parts.map(
    (part, index) => `${header(marker, index + 1, parts.length)}${part.replace(/\n+$/, '\n')}`,
  );
}

function header(marker: string, part: number, of: number): string {
  return `${marker}${part > 1 ? partMarker(marker, part) : ''}\n**Part ${part} of ${of}**\n\n`;
}

/** `templates/` at the repo root, from src/comments (tsx) or dist/src/comments (built). */
export function defaultTemplatesDir(): string {
  const candidates = ['../../templates/', '../../../templates/'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  return candidates.find((dir) => existsSync(`${dir}plan.liquid`)) ?? (candidates[0] as string);
}
