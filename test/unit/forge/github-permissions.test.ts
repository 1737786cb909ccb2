import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mapGithubWebhook } from '../../../src/forge/github/map-webhook.js';
import {
  GITHUB_API_CALLS,
  GITHUB_EVENTS,
  requiredGithubPermissions,
} from '../../../src/forge/github/permissions.js';

const root = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const appYml = parse(read('app.yml')) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

describe('app.yml asks for exactly what the GitHub adapter uses', () => {
  it('every Octokit call in github-forge.ts is declared, and nothing else', () => {
    const source = read('src/forge/github/github-forge.ts');
    const called = new Set(
      [...source.matchAll(/octokit\.rest\.(\w+)\.(\w+)/g)].map((m) => `${m[1]}.${m[2]}`),
    );
    const declared = new Set(GITHUB_API_CALLS.map((c) => c.method));
    expect([...called].sort()).toEqual([...declared].sort());
    // Requests outside the Octokit REST methods would escape this check.
    expect(source).not.toMatch(/octokit\.(request|graphql)\b/);
    expect(source.match(/octokit\.auth\(/g)).toHaveLength(1);
  });

  it("each declared route is the method's route in GitHub's OpenAPI description", () => {
    const require = createRequire(import.meta.url);
    const spec = require('@octokit/openapi/generated/api.github.com.json') as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const routes = new Map<string, string>();
    for (const [path, operations] of Object.entries(spec.paths))
      for (const [verb, operation] of Object.entries(operations))
        if (operation?.operationId) routes.set(operation.operationId, `${verb.toUpperCase()} ${path}`);
    for (const call of GITHUB_API_CALLS) {
      const [scope, name] = call.method.split('.') as [string, string];
      const operationId = `${scope}/${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
      expect(routes.get(operationId), call.method).toBe(call.route);
    }
  });

  it('default_permissions are the least that cover every call', () => {
    expect(appYml.default_permissions).toEqual(requiredGithubPermissions());
    // Automerge merges through the API: Contents write. Checks are not used (commit statuses are).
    expect(appYml.default_permissions.contents).toBe('write');
    expect(appYml.default_permissions).not.toHaveProperty('checks');
  });

  it('default_events are the events the webhook mapper acts on', () => {
    expect([...appYml.default_events].sort()).toEqual(GITHUB_EVENTS.map((e) => e.event).sort());
    const source = read('src/forge/github/map-webhook.ts');
    const handled = new Set([...source.matchAll(/case '(\w+)':/g)].map((m) => m[1]));
    expect([...handled].sort()).toEqual(GITHUB_EVENTS.map((e) => e.event).sort());
    // An event Sluice does not subscribe to maps to nothing.
    const repository = { full_name: 'o/r', name: 'r', owner: { login: 'o' } };
    expect(mapGithubWebhook('check_run', { repository, action: 'created' } as never)).toBeUndefined();
    expect(
      mapGithubWebhook('pull_request_review', { repository, action: 'submitted' } as never),
    ).toBeUndefined();
  });

  it('the checker notices over- and under-asking', () => {
    const wanted = requiredGithubPermissions();
    expect({ ...wanted, checks: 'write' }).not.toEqual(wanted);
    expect({ ...wanted, contents: 'read' }).not.toEqual(wanted);
  });

  it('docs/github-app.md explains every permission and event', () => {
    const doc = read('docs/github-app.md');
    for (const permission of Object.keys(requiredGithubPermissions()))
      expect(doc, permission).toContain(`\`${permission}\``);
    for (const { event } of GITHUB_EVENTS) expect(doc, event).toContain(`\`${event}\``);
  });
});
