import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

/** A PATH with every program of this machine except Redis and the means to install it. */
let bin: string;
beforeAll(async () => {
  bin = await mkdtemp(join(tmpdir(), 'sluice-path-'));
  const hidden = new Set(['redis-server', 'apt-get', 'sudo']);
  for (const dir of ['/usr/local/bin', '/usr/bin', '/bin']) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (hidden.has(name)) continue;
      await symlink(join(dir, name), join(bin, name)).catch(() => {});
    }
  }
});
afterAll(async () => {
  await rm(bin, { recursive: true, force: true });
});

async function provision(args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('bash', ['scripts/provision.sh', ...args], {
      cwd: root,
      env: { PATH: bin, HOME: process.env.HOME ?? '/root' },
      timeout: 120_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('scripts/provision.sh', () => {
  it('`--for start` (npm start) needs no Redis: the embedded backend', async () => {
    const result = await provision(['--for', 'start']);
    expect(result.out).toContain('no redis (embedded backend)');
    expect(result.code).toBe(0);
  });

  it('everything else still needs Redis, and says how to get it', async () => {
    const result = await provision([]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('missing redis-server and no apt-get here: install them by hand');
  });

  it('refuses an unknown purpose', async () => {
    const result = await provision(['--for', 'production']);
    expect(result.code).toBe(2);
    expect(result.out).toContain('--for takes start or test');
  });
});
