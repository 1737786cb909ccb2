import type { Route } from './handlers.js';

export type RouteMatch =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'wrong-method'; allowed: string[] }
  | { kind: 'unknown' };

/**
 * Matches raw (still percent-encoded) paths, segment by segment, against `/a/:name/b` templates, so a
 * URL-encoded project path (`acme%2Finfra`) stays one segment; parameters leave decoded.
 */
export function createRouter(routes: Route[]): (method: string, path: string) => RouteMatch {
  const templates = routes.map((route) => ({ route, parts: route.spec.path.split('/') }));
  return (method, path) => {
    const parts = path.split('/');
    const allowed: string[] = [];
    for (const { route, parts: template } of templates) {
      if (template.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const matches = template.every((part, i) => {
        const given = parts[i] ?? '';
        if (!part.startsWith(':')) return part === given;
        if (given === '') return false;
        try {
          params[part.slice(1)] = decodeURIComponent(given);
          return true;
        } catch {
          return false;
        }
      });
      if (!matches) continue;
      if (route.spec.method !== method.toUpperCase()) {
        allowed.push(route.spec.method);
        continue;
      }
      return { kind: 'found', route, params };
    }
    return allowed.length > 0 ? { kind: 'wrong-method', allowed } : { kind: 'unknown' };
  };
}
