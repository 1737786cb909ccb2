import { isLocalSource, moduleSources } from './module-sources.js';
import { dirOf, resolveFrom } from './paths.js';
import { configurationSyntax } from './terraform-files.js';

/** Which directories call which local modules, read from every configuration file at head. */
export interface ModuleGraph {
  /** Module directory → directories whose configuration calls it. */
  callers: ReadonlyMap<string, ReadonlySet<string>>;
}

/**
 * Builds the local-module call graph. `configDirs` are the directories holding configuration; calls to
 * directories outside it (missing, or escaping the repo) are dropped, and so are self-calls.
 */
export function buildModuleGraph(
  files: readonly string[],
  configDirs: ReadonlySet<string>,
  readFile: (path: string) => string | undefined,
): ModuleGraph {
  const callers = new Map<string, Set<string>>();
  for (const file of files) {
    const syntax = configurationSyntax(file);
    if (!syntax) continue;
    const text = readFile(file);
    if (text === undefined) continue;
    const caller = dirOf(file);
    for (const source of moduleSources(text, syntax)) {
      if (!isLocalSource(source)) continue;
      const callee = resolveFrom(caller, source);
      if (callee === undefined || callee === caller || !configDirs.has(callee)) continue;
      const set = callers.get(callee) ?? new Set<string>();
      set.add(caller);
      callers.set(callee, set);
    }
  }
  return { callers };
}

/** The root directories (called by nobody) that reach `dir` through module calls, `dir` itself excluded. */
export function rootsCalling(graph: ModuleGraph, dir: string): string[] {
  const roots: string[] = [];
  const seen = new Set<string>([dir]);
  const queue = [...(graph.callers.get(dir) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (seen.has(next)) continue;
    seen.add(next);
    const up = graph.callers.get(next);
    if (!up || up.size === 0) roots.push(next);
    else queue.push(...up);
  }
  return roots;
}

export function isRoot(graph: ModuleGraph, dir: string): boolean {
  return (graph.callers.get(dir)?.size ?? 0) === 0;
}
