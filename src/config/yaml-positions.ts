import { type Document, isAlias, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';

export type ConfigPath = ReadonlyArray<string | number>;

export interface Position {
  line: number;
  column: number;
}

/**
 * Where a user must look to fix the value at `path`: the value's own node, or its key when `at` is
 * 'key' or the value is empty (`dir:` with nothing after it). A path that does not exist (a missing
 * key) points at the nearest enclosing node. Lines and columns are 1-based.
 */
export function positionOf(
  doc: Document,
  lineCounter: LineCounter,
  path: ConfigPath,
  at: 'value' | 'key' = 'value',
): Position {
  let node: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const [index, segment] of path.entries()) {
    const current = resolve(doc, node);
    let next: unknown;
    if (isMap(current)) {
      const pair = current.items.find((item) => isPair(item) && keyText(item.key) === String(segment));
      if (!pair) break;
      keyNode = pair.key as Node;
      next = pair.value;
    } else if (isSeq(current) && typeof segment === 'number') {
      next = current.items[segment];
      keyNode = undefined;
      if (next === undefined) break;
    } else {
      break;
    }
    node = next;
    if (index === path.length - 1 && at === 'key' && keyNode) return toPosition(lineCounter, keyNode);
  }
  if (keyNode && (node === null || isEmptyScalar(node))) return toPosition(lineCounter, keyNode);
  if (node && typeof node === 'object' && 'range' in node) return toPosition(lineCounter, node as Node);
  return { line: 1, column: 1 };
}

function resolve(doc: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && (node.range?.[0] ?? 0) === (node.range?.[1] ?? 0);
}

function toPosition(lineCounter: LineCounter, node: Node): Position {
  return offsetPosition(lineCounter, node.range?.[0] ?? 0);
}

export function offsetPosition(lineCounter: LineCounter, offset: number): Position {
  const { line, col } = lineCounter.linePos(offset);
  return { line, column: col };
}
