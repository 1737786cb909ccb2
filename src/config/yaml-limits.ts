import { basename } from 'node:path';
import { type CST, Parser } from 'yaml';

/**
 * Limits on config files (server config, `sluice.yaml`, `atlantis.yaml`), checked before the YAML is
 * composed: a config is a page of settings, and a file far larger or deeper than any real one is a
 * mistake (or an attack on the parser) that deserves a clear answer, not a stack overflow.
 */
export const CONFIG_MAX_BYTES = 256 * 1024;
/** Real configs nest 6 or 7 levels; the YAML composer overflows its stack near a thousand. */
export const CONFIG_MAX_DEPTH = 64;

/** 262144 → "256 kB", 2097152 → "2.0 MB" (1024-based, as file managers show them). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} kB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** "sluice.yaml is 2.0 MB; the limit is 256 kB." and what to do, or undefined within the limit. */
export function sizeMessage(file: string, bytes: number): string | undefined {
  if (bytes <= CONFIG_MAX_BYTES) return undefined;
  return `${basename(file)} is ${formatSize(bytes)}; the limit is ${formatSize(CONFIG_MAX_BYTES)}. A config holds settings, not data: remove what Sluice does not read.`;
}

export function depthMessage(): string {
  return `The file nests more than ${CONFIG_MAX_DEPTH} levels deep here; a config needs a handful. Flatten it.`;
}

type Token = CST.Token | CST.BlockMap['items'][number]['key'] | undefined | null;

/**
 * The offset of the first collection nested deeper than `limit`, or undefined. Walks YAML's concrete
 * syntax tree (which its parser builds without recursion) with an explicit stack, so no depth of input
 * can overflow it.
 */
export function tooDeepAt(text: string, limit = CONFIG_MAX_DEPTH): number | undefined {
  const stack: Array<[Token, number]> = [];
  for (const doc of new Parser().parse(text)) stack.push([doc, 0]);
  while (stack.length > 0) {
    const [token, depth] = stack.pop() as [Token, number];
    if (!token) continue;
    switch (token.type) {
      case 'document':
        stack.push([token.value, depth]);
        break;
      case 'block-map':
      case 'block-seq':
      case 'flow-collection': {
        if (depth + 1 > limit) return token.offset;
        for (const item of token.items) {
          if ('key' in item) stack.push([item.key, depth + 1]);
          stack.push([item.value, depth + 1]);
        }
        break;
      }
      default:
        break;
    }
  }
  return undefined;
}

/** 1-based line and column of `offset` in `text`. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line += 1;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}
