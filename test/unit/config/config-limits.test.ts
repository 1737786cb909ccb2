import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { buildConfigErrorView } from '../../../src/comments/config-error-view.js';
import { CONFIG_MAX_DEPTH, formatSize } from '../../../src/config/yaml-limits.js';
import { loadRepoConfig } from '../../../src/jobs/load-repo-config.js';

function folder(files: Record<string, string>): string {
  const cwd = mkdtempSync(join(tmpdir(), 'sluice-limits-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  return cwd;
}

/** `sluice config validate <name>` through the real command line, in a folder holding only that file. */
async function validate(name: string, text: string) {
  const cwd = folder({ [name]: text });
  let out = '';
  let err = '';
  const code = await runCli(['config', 'validate', name], {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: (chunk: string) => (err += chunk) },
    cwd,
    env: {},
  });
  const lines = (chunk: string) => (chunk === '' ? [] : chunk.replace(/\n$/, '').split('\n'));
  return { code, out: lines(out), err: lines(err) };
}

const MB2 = 2 * 1024 * 1024;
/** A config padded with a comment to `bytes`. */
const padded = (head: string, bytes: number) => `${head}# ${'x'.repeat(bytes - head.length - 3)}\n`;

function flowNest(depth: number): string {
  return `version: 1\nprojects: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
}
function blockMaps(depth: number): string {
  let text = 'version: 1\nworkflows:\n';
  for (let i = 0; i < depth; i++) text += `${' '.repeat(i + 1)}k${i}:\n`;
  return text;
}
function blockSeqs(depth: number): string {
  let text = 'version: 1\nprojects:\n';
  for (let i = 0; i < depth; i++) text += `${' '.repeat(i * 2)}-\n`;
  return text;
}

describe('config limits through `sluice config validate`', async () => {
  it('formats sizes as people read them', async () => {
    expect([formatSize(900), formatSize(256 * 1024), formatSize(MB2)]).toEqual([
      '900 bytes',
      '256 kB',
      '2.0 MB',
    ]);
  });

  it.each([
    ['sluice.yaml', 'version: 1\n'],
    ['atlantis.yaml', 'version: 3\n'],
    ['sluice-server.yaml', 'version: 1\nrepos: []\n'],
  ])('refuses a 2 MB %s by its size, not as "empty"', async (name, head) => {
    const result = await validate(name, padded(head, MB2));
    expect(result.code).toBe(1);
    expect(result.out).toEqual([
      `${name}:1:1: ${name} is 2.0 MB; the limit is 256 kB. A config holds settings, not data: remove what Sluice does not read.`,
    ]);
  });

  it('takes a file just under the limit', async () => {
    expect((await validate('sluice.yaml', padded('version: 1\n', 256 * 1024))).code).toBe(0);
  });

  it.each([
    ['flow collections', flowNest(5_000), 2, 10 + CONFIG_MAX_DEPTH],
    ['block maps', blockMaps(300), 2 + CONFIG_MAX_DEPTH, 1 + CONFIG_MAX_DEPTH],
    ['block sequences', blockSeqs(200), 2 + CONFIG_MAX_DEPTH, 2 * (CONFIG_MAX_DEPTH - 1) + 1],
  ])(
    'refuses %s nested thousands deep at the line and column where the limit is passed',
    async (_kind, text, line, column) => {
      const result = await validate('sluice.yaml', text);
      expect(result.code).toBe(1);
      expect(result.out).toHaveLength(1);
      expect(result.out[0]).toMatch(
        new RegExp(`^sluice\\.yaml:${line}:${column}: The file nests more than 64 levels`),
      );
      expect(result.out.join('\n')).not.toMatch(/call stack/);
    },
  );

  it('lets a file nested to the limit reach the schema', async () => {
    const result = await validate('sluice.yaml', flowNest(CONFIG_MAX_DEPTH - 1));
    expect(result.out.join('\n')).not.toMatch(/nests more than/);
  });

  it('tells a file of comments (or ~) that it holds no settings, and only a blank file that it is empty', async () => {
    expect((await validate('sluice.yaml', '# nothing yet\n')).out).toEqual([
      'sluice.yaml:1:1: The file holds no settings (only comments or an empty value); it needs at least `version: 1`.',
    ]);
    expect((await validate('sluice.yaml', '~\n')).out[0]).toMatch(/holds no settings/);
    expect((await validate('sluice.yaml', '\n\n')).out[0]).toMatch(
      /The file is empty; it needs at least `version: 1`/,
    );
  });
});

describe('config limits on a pull request (the config-error comment)', async () => {
  const checkout = (dir: string) => ({ dir, listFiles: async () => ['sluice.yaml', 'main.tf'] });

  it.each([
    ['read, over the limit', 300 * 1024, '300 kB'],
    ['too large to read at all', MB2, '2.0 MB'],
  ])('a sluice.yaml %s is refused by size in the comment', async (_case, bytes, shown) => {
    const dir = folder({ 'sluice.yaml': padded('version: 1\n', bytes), 'main.tf': '' });
    const loaded = await loadRepoConfig(checkout(dir));
    expect(loaded.ok).toBe(false);
    const issues = loaded.ok ? [] : loaded.issues;
    const view = buildConfigErrorView(issues, 'a'.repeat(40));
    expect(view.issues).toHaveLength(1);
    expect(view.issues[0]).toContain(`sluice.yaml is ${shown}; the limit is 256 kB`);
    expect(view.issues.join('\n')).not.toMatch(/empty/);
  });

  it('a deeply nested sluice.yaml is refused with its position in the comment', async () => {
    const dir = folder({ 'sluice.yaml': blockMaps(300), 'main.tf': '' });
    const loaded = await loadRepoConfig(checkout(dir));
    const view = buildConfigErrorView(loaded.ok ? [] : loaded.issues);
    expect(view.issues).toEqual([
      expect.stringMatching(/^`sluice\.yaml:\d+:\d+` — The file nests more than 64 levels deep here/),
    ]);
  });

  it('a sluice.yaml linking out of the repository is refused as such, not as empty', async () => {
    const outside = folder({ 'secret.yaml': 'version: 1\n' });
    const dir = folder({ 'main.tf': '' });
    symlinkSync(join(outside, 'secret.yaml'), join(dir, 'sluice.yaml'));
    const loaded = await loadRepoConfig(checkout(dir));
    expect(loaded.ok ? [] : loaded.issues.map((i) => i.message)).toEqual([
      'sluice.yaml could not be read: it is a link that leads outside the repository, or not a regular file. Commit the config itself.',
    ]);
  });
});
