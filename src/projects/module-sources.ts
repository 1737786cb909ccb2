import { maskHcl, stringEnd } from './hcl-mask.js';

const MODULE_BLOCK = /(^|[\s};])module\s+(?:"[^"\n]*"|[A-Za-z_][A-Za-z0-9_-]*)\s*\{/g;
const SOURCE_ATTRIBUTE = /(^|[\s{;])source\s*=\s*"/g;

/**
 * The `source` of every `module` block in one configuration file, as written. Tolerant: a file that
 * does not parse yields what could be read, never an exception.
 */
export function moduleSources(text: string, syntax: 'hcl' | 'json'): string[] {
  return syntax === 'json' ? jsonModuleSources(text) : hclModuleSources(text);
}

function hclModuleSources(text: string): string[] {
  const masked = maskHcl(text);
  const sources: string[] = [];
  for (const match of masked.matchAll(MODULE_BLOCK)) {
    const bodyStart = match.index + match[0].length;
    const bodyEnd = closingBrace(masked, bodyStart);
    const body = topLevelOnly(masked.slice(bodyStart, bodyEnd));
    for (const attribute of body.matchAll(SOURCE_ATTRIBUTE)) {
      const quote = bodyStart + attribute.index + attribute[0].length - 1;
      const literal = text.slice(quote + 1, stringEnd(text, quote) - 1);
      // Only a static string can be a module source; anything with a template is not one we can follow.
      if (!literal.includes('${') && !literal.includes('%{')) sources.push(unescapeLiteral(literal));
    }
  }
  return sources;
}

/** Offset of the `}` that closes the block whose body starts at `from` (text must be masked). */
function closingBrace(masked: string, from: number): number {
  let depth = 0;
  for (let i = from; i < masked.length; i++) {
    const c = masked[i];
    if (c === '{' || c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return masked.length;
}

/** Blanks nested blocks and collections so only the block's own attributes remain. */
function topLevelOnly(body: string): string {
  let depth = 0;
  let out = '';
  for (const c of body) {
    if (c === '{' || c === '[' || c === '(') depth++;
    out += depth > 0 && c !== '\n' ? ' ' : c;
    if ((c === '}' || c === ']' || c === ')') && depth > 0) depth--;
  }
  return out;
}

function unescapeLiteral(literal: string): string {
  return literal.replace(/\\(["\\])/g, '$1');
}

function jsonModuleSources(text: string): string[] {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    return [];
  }
  if (!isObject(document)) return [];
  const sources: string[] = [];
  // JSON syntax allows a block type to be an object of labelled blocks, or an array of such objects.
  for (const group of asList(document.module)) {
    if (!isObject(group)) continue;
    for (const call of Object.values(group)) {
      for (const body of asList(call)) {
        if (isObject(body) && typeof body.source === 'string') sources.push(body.source);
      }
    }
  }
  return sources;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : value === undefined ? [] : [value];
}

/** Local module sources start with "./" or "../" (Terraform's rule); everything else is fetched. */
export function isLocalSource(source: string): boolean {
  return source.startsWith('./') || source.startsWith('../');
}
