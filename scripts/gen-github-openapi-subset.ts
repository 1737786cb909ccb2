/**
 * Writes test/fakes/github/openapi-subset.json: the GitHub REST operations Sluice calls, cut from the
 * official description in @octokit/openapi, dereferenced and stripped of prose so the fake GitHub can
 * validate every request and response against it.
 *
 *   npx tsx scripts/gen-github-openapi-subset.ts
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OPERATIONS = [
  ['post', '/app/installations/{installation_id}/access_tokens'],
  ['get', '/repos/{owner}/{repo}'],
  ['get', '/repos/{owner}/{repo}/git/ref/{ref}'],
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}'],
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}/files'],
  ['get', '/repos/{owner}/{repo}/pulls/{pull_number}/reviews'],
  ['put', '/repos/{owner}/{repo}/pulls/{pull_number}/merge'],
  ['get', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['post', '/repos/{owner}/{repo}/issues/{issue_number}/comments'],
  ['patch', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
  ['delete', '/repos/{owner}/{repo}/issues/comments/{comment_id}'],
  ['post', '/repos/{owner}/{repo}/issues/comments/{comment_id}/reactions'],
  ['post', '/repos/{owner}/{repo}/statuses/{sha}'],
  ['get', '/repos/{owner}/{repo}/commits/{ref}/status'],
  ['get', '/repos/{owner}/{repo}/collaborators/{username}/permission'],
  ['get', '/orgs/{org}/teams/{team_slug}/memberships/{username}'],
  ['get', '/repos/{owner}/{repo}/contents/{path}'],
] as const;

/** Keys that only document; dropped everywhere a schema keyword may stand (never from `properties` maps). */
const PROSE = new Set(['description', 'summary', 'example', 'examples', 'externalDocs']);
/** Keys whose values are data, not schemas: copied as they are. */
const DATA = new Set(['enum', 'default', 'const', 'required']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const OUTPUT = join(dirname(fileURLToPath(import.meta.url)), '../test/fakes/github/openapi-subset.json');
const PACKAGE = '@octokit/openapi';

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Replaces every local `$ref` with its target; a no-op on the package's `.deref.json`. */
function dereference(doc: JsonObject, node: Json, seen: string[] = []): Json {
  if (Array.isArray(node)) return node.map((item) => dereference(doc, item, seen));
  if (!isObject(node)) return node;
  const ref = node.$ref;
  if (typeof ref === 'string') {
    if (seen.includes(ref)) throw new Error(`circular $ref ${[...seen, ref].join(' -> ')}`);
    const target = ref
      .slice(2)
      .split('/')
      .reduce<Json | undefined>(
        (at, key) => (isObject(at) ? at[key.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined),
        doc,
      );
    if (target === undefined) throw new Error(`unresolved $ref ${ref}`);
    return dereference(doc, target, [...seen, ref]);
  }
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, dereference(doc, value, seen)]));
}

/** Drops prose and vendor extensions from a schema, keeping property names that happen to look like them. */
function strip(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(strip);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) {
    if (PROSE.has(key) || key.startsWith('x-')) continue;
    if (DATA.has(key)) out[key] = value;
    else if (key === 'properties' && isObject(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, strip(sub)]));
    } else out[key] = strip(value);
  }
  return out;
}

function pickJson(content: Json | undefined): { contentType: string; schema: Json } | undefined {
  if (!isObject(content)) return undefined;
  const contentType = 'application/json' in content ? 'application/json' : Object.keys(content)[0];
  const media = contentType ? content[contentType] : undefined;
  return contentType && isObject(media) ? { contentType, schema: strip(media.schema ?? {}) } : undefined;
}

function subset(doc: JsonObject, version: string, file: string): JsonObject {
  const paths = doc.paths as JsonObject;
  const operations = OPERATIONS.map(([method, path]) => {
    const found = (paths[path] as JsonObject | undefined)?.[method];
    const op = found === undefined ? undefined : dereference(doc, found);
    if (!isObject(op)) throw new Error(`${method.toUpperCase()} ${path} is not in ${PACKAGE}@${version}`);
    const parameters = ((op.parameters ?? []) as JsonObject[]).map((p) => ({
      name: p.name ?? null,
      in: p.in ?? null,
      required: p.required === true,
      schema: strip(p.schema ?? {}),
      ...(p['x-multi-segment'] === true ? { 'x-multi-segment': true } : {}),
    }));
    const body = isObject(op.requestBody) ? op.requestBody : undefined;
    const requestBody = body ? { required: body.required === true, ...pickJson(body.content) } : null;
    // Successes plus the client errors a well-behaved fake may answer with (e.g. 422 "Validation Failed").
    const responses: JsonObject = {};
    for (const [status, response] of Object.entries(op.responses as JsonObject)) {
      if (!/^[24]\d\d$/.test(status) || !isObject(response)) continue;
      responses[status] = pickJson(response.content) ?? null;
    }
    return { operationId: op.operationId ?? null, method, path, parameters, requestBody, responses };
  });
  return {
    source: { package: PACKAGE, version, file, generator: 'scripts/gen-github-openapi-subset.ts' },
    operations,
  };
}

function main(): void {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve(`${PACKAGE}/package.json`));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  const derefFile = 'generated/api.github.com.deref.json';
  const file = existsSync(join(root, derefFile)) ? derefFile : 'generated/api.github.com.json';
  const doc = JSON.parse(readFileSync(join(root, file), 'utf8')) as JsonObject;
  mkdirSync(dirname(OUTPUT), { recursive: true });
  writeFileSync(OUTPUT, `${JSON.stringify(subset(doc, version, file), null, 1)}\n`);
  console.log(`wrote ${OUTPUT} (${OPERATIONS.length} operations from ${PACKAGE}@${version} ${file})`);
}

main();
