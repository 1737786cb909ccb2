import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/program.js';
import { detectKind } from '../../../src/config/validate-command.js';

/** `sluice config <args>`, run in this process through the real command line. */
async function run(args: string[], files: Record<string, string> = {}, env: NodeJS.ProcessEnv = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'sluice-validate-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  let out = '';
  let err = '';
  const code = await runCli(['config', ...args], {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
    cwd,
    env,
  });
  const lines = (text: string) => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));
  return { code, out: lines(out), err: lines(err) };
}

describe('sluice config validate', () => {
  it('prints file:line:column: message and exits 1 on errors', async () => {
    expect(await run(['validate', 'sluice.yaml'], { 'sluice.yaml': 'version: 1\nprojcts: []\n' })).toEqual({
      code: 1,
      out: ['sluice.yaml:2:1: Unknown key `projcts` at the top level. Did you mean `projects`?'],
      err: ['sluice.yaml: invalid repo config (1 error)'],
    });
  });

  it('exits 0 for a valid file, printing warnings', async () => {
    expect(await run(['validate'], { 'atlantis.yaml': 'version: 3\nemoji_reaction: eyes\n' })).toEqual({
      code: 0,
      out: ['atlantis.yaml:2:1: warning: `emoji_reaction` is ignored: Sluice reacts with its own emoji.'],
      err: ['atlantis.yaml: valid atlantis.yaml (1 warning)'],
    });
  });

  it('finds a server config by content, by --kind, or from SLUICE_CONFIG', async () => {
    const server = { 'rules.yaml': 'version: 1\nrepos:\n  - id: x\n    allowed: maybe\n' };
    const expected = ['rules.yaml:4:14: `repos[0].allowed` must be `true` or `false`, not the text "maybe".'];
    expect((await run(['validate', 'rules.yaml'], server)).out).toEqual(expected);
    expect((await run(['validate', '--kind', 'server', 'rules.yaml'], server)).out).toEqual(expected);
    expect((await run(['validate'], server, { SLUICE_CONFIG: 'rules.yaml' })).out).toEqual(expected);
  });

  it('checks a repo config against a repository’s rules with --server-config and --repo', async () => {
    const files = {
      'server.yaml':
        'version: 1\nrepos:\n  - id: github.com/acme/infra\n    allowed: true\n    allowed_overrides: [workflow]\n',
      'sluice.yaml': 'version: 1\nprojects:\n  - dir: a\n    apply_requirements: []\n',
    };
    const result = await run(
      ['validate', 'sluice.yaml', '--server-config', 'server.yaml', '--repo', 'github.com/acme/infra'],
      files,
    );
    expect(result.code).toBe(1);
    expect(result.out).toEqual([
      'sluice.yaml:4:5: This repository may not set `apply_requirements`: the server config decides it. Remove it, or ask a Sluice admin to add `apply_requirements` to `allowed_overrides` for this repository.',
    ]);
    expect((await run(['validate', 'sluice.yaml'], files)).code).toBe(0);
  });

  it.each([
    [['lint'], 2],
    [['validate', '--kind', 'helm', 'x.yaml'], 2],
    [['validate', '--repo', 'github.com/a/b'], 2],
    [['validate', 'a.yaml', 'b.yaml'], 2],
    [['validate', 'missing.yaml'], 2],
    [['validate'], 2],
    [['validate', '--help'], 0],
  ])('usage problems: %j exits %i', async (args, code) => {
    expect((await run(args)).code).toBe(code);
  });

  it.each([
    ['atlantis.yaml', '', 'atlantis'],
    ['sluice.yml', 'repos: []', 'repo'],
    ['sluice-server.yaml', '', 'server'],
    ['deploy/rules.yaml', 'version: 1\nrepos: []\n', 'server'],
    ['other.yaml', 'version: 3\n', 'atlantis'],
    ['other.yaml', 'version: 1\n', 'repo'],
  ] as const)('detects %s as %s', (file, text, kind) => {
    expect(detectKind(file, text)).toBe(kind);
  });
});
