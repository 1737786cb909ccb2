import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');
const scratch: string[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A copy of the project's package.json and lock (changed by `edit`) with scripts/lock.sh beside them. */
async function project(
  edit: (lock: { packages: Record<string, unknown> }) => void = () => {},
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-lock-'));
  scratch.push(dir);
  await mkdir(join(dir, 'scripts'));
  await cp(join(root, 'scripts', 'lock.sh'), join(dir, 'scripts', 'lock.sh'));
  await cp(join(root, 'package.json'), join(dir, 'package.json'));
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8'));
  edit(lock);
  await writeFile(join(dir, 'package-lock.json'), JSON.stringify(lock, null, 2));
  return dir;
}

async function check(dir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('bash', [join(dir, 'scripts', 'lock.sh'), '--check'], {
      timeout: 120_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

describe('scripts/lock.sh --check', () => {
  it('accepts the committed lock: every platform recorded, in step with package.json', async () => {
    const result = await check(await project());
    expect(result.out).toContain('complete for every platform');
    expect(result.code).toBe(0);
  });

  it("refuses a lock that lacks another platform's optional package, naming it", async () => {
    const dir = await project((lock) => {
      delete lock.packages['node_modules/@biomejs/cli-darwin-arm64'];
    });
    const result = await check(dir);
    expect(result.code).toBe(1);
    expect(result.out).toContain('@biomejs/cli-darwin-arm64 (optional for node_modules/@biomejs/biome)');
    expect(result.out).toContain('run scripts/lock.sh');
  });

  it('regenerating restores the missing entries without changing locked versions', async () => {
    const dir = await project((lock) => {
      delete lock.packages['node_modules/@biomejs/cli-darwin-arm64'];
    });
    await run('bash', [join(dir, 'scripts', 'lock.sh')], { timeout: 120_000 });
    const fixed = JSON.parse(await readFile(join(dir, 'package-lock.json'), 'utf8'));
    const original = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8'));
    expect(fixed.packages['node_modules/@biomejs/cli-darwin-arm64']).toEqual(
      original.packages['node_modules/@biomejs/cli-darwin-arm64'],
    );
    expect(fixed.packages['node_modules/fastify'].version).toBe(
      original.packages['node_modules/fastify'].version,
    );
    expect((await check(dir)).code).toBe(0);
  });
});
