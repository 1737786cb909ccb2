import type { Operation } from './spec.js';

interface Route {
  operation: Operation;
  pattern: RegExp;
  names: string[];
}

export type RouteMatch =
  | { kind: 'found'; operation: Operation; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'unknown' };

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Matches raw (still percent-encoded) paths against the subset's path templates. */
export function createRouter(operations: Operation[]): (method: string, path: string) => RouteMatch {
  const routes: Route[] = operations.map((operation) => {
    const names: string[] = [];
    const source = operation.path
      .split(/(\{[^}]+\})/)
      .map((part) => {
        const name = /^\{(.+)\}$/.exec(part)?.[1];
        if (!name) return escapeRegExp(part);
        names.push(name);
        const multi = operation.parameters.some((p) => p.name === name && p['x-multi-segment']);
        return multi ? '(.+)' : '([^/]+)';
      })
      .join('');
    return { operation, pattern: new RegExp(`^${source}$`), names };
  });

  return (method, path) => {
    const allowed: string[] = [];
    for (const route of routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      if (route.operation.method !== method.toLowerCase()) {
        allowed.push(route.operation.method.toUpperCase());
        continue;
      }
      const params = Object.fromEntries(
        route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? '')]),
      );
      return { kind: 'found', operation: route.operation, params };
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'unknown' };
  };
}
