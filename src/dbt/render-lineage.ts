import { fenceFor } from '../comments/markdown.js';
import type { DbtPlanResult } from './plan-result.js';

export interface LineageOptions {
  /** Whether the forge renders ```mermaid blocks (ForgeCapabilities.mermaid). */
  mermaid: boolean;
  /** Nodes drawn before the rest are counted as "N more". */
  maxNodes: number;
}

interface LineageNode {
  id: string;
  label: string;
  kind: 'breaking' | 'changed' | 'metadata' | 'downstream' | 'exposure';
}

/**
 * The downstream lineage of a plan's changes, as a Mermaid graph or, where Mermaid does not render,
 * a text tree; cut off after `maxNodes` with "N more". Empty when nothing is downstream.
 */
export function renderLineage(result: DbtPlanResult, options: LineageOptions): string {
  const all = lineageNodes(result);
  if (result.downstream.length === 0 && result.exposures.length === 0) return '';
  const shown = all.slice(0, options.maxNodes);
  const hidden = all.length - shown.length;
  const ids = new Set(shown.map((n) => n.id));
  const edges = result.edges.filter(([a, b]) => ids.has(a) && ids.has(b));
  const body = options.mermaid ? mermaid(shown, edges) : textTree(shown, edges);
  const lang = options.mermaid ? 'mermaid' : 'text';
  const fence = fenceFor(body);
  const more = hidden > 0 ? `\n_${hidden} more not shown._` : '';
  return `${fence}${lang}\n${body}\n${fence}${more}`;
}

function lineageNodes(result: DbtPlanResult): LineageNode[] {
  const nodes: LineageNode[] = [];
  for (const change of result.changes) {
    if (change.reasons.includes('removed') && !result.edges.some(([a]) => a === change.uniqueId)) continue;
    const kind =
      change.category === 'breaking'
        ? 'breaking'
        : change.category === 'metadata-only'
          ? 'metadata'
          : 'changed';
    nodes.push({ id: change.uniqueId, label: change.name, kind });
  }
  for (const node of result.downstream)
    nodes.push({ id: node.uniqueId, label: node.name, kind: 'downstream' });
  for (const exposure of result.exposures) {
    nodes.push({ id: exposure.uniqueId, label: exposure.label ?? exposure.name, kind: 'exposure' });
  }
  // Only nodes on some edge, or changed nodes: a metadata-only change with nothing downstream adds nothing.
  const onEdge = new Set(result.edges.flat());
  return nodes.filter((n) => onEdge.has(n.id) || n.kind === 'breaking' || n.kind === 'changed');
}

function mermaid(nodes: readonly LineageNode[], edges: ReadonlyArray<[string, string]>): string {
  const key = new Map(nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['graph LR'];
  for (const node of nodes) {
    const label = mermaidLabel(node.kind === 'exposure' ? `exposure: ${node.label}` : node.label);
    const shape = node.kind === 'exposure' ? `(["${label}"])` : `["${label}"]`;
    lines.push(`  ${key.get(node.id)}${shape}:::${node.kind}`);
  }
  for (const [a, b] of edges) lines.push(`  ${key.get(a)} --> ${key.get(b)}`);
  lines.push(
    '  classDef breaking fill:#ffd6d6,stroke:#c00',
    '  classDef changed fill:#fff4c2,stroke:#b08800',
    '  classDef metadata fill:#eeeeee,stroke:#888',
    '  classDef downstream fill:#e8f0ff,stroke:#4169e1',
    '  classDef exposure fill:#e6ffed,stroke:#2da44e',
  );
  return lines.join('\n');
}

/** Mermaid label text inside `"…"`: quotes and angle brackets as entities, one line. */
function mermaidLabel(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/&/g, '#amp;')
    .replace(/"/g, '#quot;')
    .replace(/</g, '#lt;')
    .replace(/>/g, '#gt;');
}

function textTree(nodes: readonly LineageNode[], edges: ReadonlyArray<[string, string]>): string {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map<string, string[]>();
  const hasParent = new Set<string>();
  for (const [a, b] of edges) {
    children.set(a, [...(children.get(a) ?? []), b]);
    hasParent.add(b);
  }
  const lines: string[] = [];
  const printed = new Set<string>();
  const text = (node: LineageNode) =>
    node.kind === 'exposure'
      ? `exposure: ${node.label}`
      : node.kind === 'downstream'
        ? node.label
        : `${node.label} (${node.kind === 'breaking' ? 'breaking' : 'changed'})`;
  const walk = (id: string, prefix: string, last: boolean, root: boolean) => {
    const node = byId.get(id);
    if (!node) return;
    const branch = root ? '' : last ? '└── ' : '├── ';
    const seen = printed.has(id);
    lines.push(`${prefix}${branch}${text(node).replace(/[\r\n]+/g, ' ')}${seen ? ' (see above)' : ''}`);
    if (seen) return;
    printed.add(id);
    const kids = children.get(id) ?? [];
    const next = root ? '' : `${prefix}${last ? '    ' : '│   '}`;
    for (const [i, kid] of kids.entries()) walk(kid, next, i === kids.length - 1, false);
  };
  for (const node of nodes) if (!hasParent.has(node.id)) walk(node.id, '', true, true);
  for (const node of nodes) if (!printed.has(node.id)) walk(node.id, '', true, true);
  return lines.join('\n');
}
