import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerfileProblems, type RepoFacts } from './dockerfile-rules.js';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const dockerfile = read('Dockerfile');

/** The pinned versions scripts/provision.sh installs for a checkout. */
function provisionVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const match of read('scripts/provision.sh').matchAll(/^([A-Z_]+_VERSION)=(\S+)$/gm))
    out[match[1] as string] = match[2] as string;
  return out;
}

/** .dockerignore's patterns as path prefixes (the file uses plain names; `!` lines re-include). */
function ignored(path: string): boolean {
  const lines = read('.dockerignore')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  let out = false;
  for (const line of lines) {
    const negated = line.startsWith('!');
    const pattern = negated ? line.slice(1) : line;
    const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/|$)`);
    if (regex.test(path)) out = !negated;
  }
  return out;
}

const facts: RepoFacts = {
  versions: provisionVersions(),
  bin: (JSON.parse(read('package.json')) as { bin: { sluice: string } }).bin.sluice,
  inContext: (path) => existsSync(join(root, path)) && !ignored(path.replace(/\/$/, '')),
  readContext: read,
};

describe('Dockerfile', () => {
  it('is a multi-stage node:22 build of the compiled app with OpenTofu, dbt and bubblewrap, non-root, /data, healthcheck', () => {
    expect(facts.versions.TOFU_VERSION).toMatch(/^\d+\.\d+\.\d+$/);
    expect(dockerfileProblems(dockerfile, facts)).toEqual([]);
  });

  it('runs what `npm run build` produces: tsconfig compiles src/ into dist/src/', () => {
    const tsconfig = JSON.parse(read('tsconfig.json')) as {
      compilerOptions: { outDir: string; rootDir: string };
      include: string[];
    };
    expect(tsconfig.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
    expect(tsconfig.include).toContain('src/**/*.ts');
    expect(facts.bin).toBe('dist/src/cli.js');
    expect(read('scripts/build.sh')).toMatch(/tsc -p tsconfig\.json/);
    expect(read('package.json')).toMatch(/"build": "bash scripts\/build\.sh"/);
  });

  it('keeps secrets and local state out of the build context', () => {
    for (const path of ['.env', '.sluice', '.tools', 'node_modules', '.git'])
      expect(ignored(path), path).toBe(true);
    expect(ignored('.env.example')).toBe(false);
    expect(ignored('src/cli.ts')).toBe(false);
  });

  // The checks must be able to fail: each mutation breaks one rule, and the rule says so.
  const mutations: [string, (text: string) => string, RegExp][] = [
    ['a root user', (t) => t.replace('USER sluice', 'USER root'), /non-root USER, not root/],
    ['no USER at all', (t) => t.replace('USER sluice\n', ''), /non-root USER/],
    [
      'tsx at run time',
      (t) => t.replace('"/usr/local/bin/sluice-entrypoint"', '"npx", "tsx", "src/cli.ts"'),
      /compiled dist\/src\/cli\.js|TypeScript/,
    ],
    [
      'npm install instead of npm ci',
      (t) => t.replace('RUN npm ci --no-audit --no-fund', 'RUN npm install'),
      /`npm ci`/,
    ],
    [
      'Node.js 20',
      (t) => t.replace('ARG NODE_IMAGE=node:22-bookworm-slim', 'ARG NODE_IMAGE=node:20-bookworm-slim'),
      /must be node:22/,
    ],
    ['no healthcheck', (t) => t.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, ''), /HEALTHCHECK/],
    ['no /data volume', (t) => t.replace('VOLUME ["/data"]\n', ''), /VOLUME \/data/],
    [
      'a sandbox that may fall back',
      (t) => t.replace('  SLUICE_SANDBOX=bwrap \\', '  SLUICE_SANDBOX=auto \\'),
      /SLUICE_SANDBOX=bwrap/,
    ],
    ['no bubblewrap', (t) => t.replace('bubblewrap git', 'git'), /install bubblewrap/],
    [
      'another OpenTofu',
      (t) => t.replace('ARG TOFU_VERSION=1.12.6', 'ARG TOFU_VERSION=1.10.0'),
      /TOFU_VERSION is 1\.10\.0/,
    ],
    ['no adapter argument', (t) => t.replace(' ${DBT_ADAPTERS}', ''), /DBT_ADAPTERS/],
    [
      'a missing file',
      (t) => t.replace('COPY templates ./templates', 'COPY nothere ./nothere'),
      /COPY nothere/,
    ],
    ['an ignored file', (t) => t.replace('COPY templates ./templates', 'COPY .env ./.env'), /COPY \.env/],
    ['one stage', (t) => t.slice(t.indexOf('# 4.')), /multi-stage/],
    [
      'a typo the linter sees',
      (t) => t.replace('WORKDIR /app\nCOPY --from=build', 'WORKDIR /app\nCOPY --from=build\nEXPOSE http'),
      /line \d+:/,
    ],
  ];
  it.each(mutations)('refuses %s', (_what, mutate, expected) => {
    const mutated = mutate(dockerfile);
    expect(mutated).not.toBe(dockerfile);
    expect(dockerfileProblems(mutated, facts).join('\n')).toMatch(expected);
  });
});
