import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../../src/runner/sandbox.js';

/** Running, not a zombie waiting for a reaper. */
const isRunning = async (pid: number) => {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z/.test(stat);
};

describe.each(['bwrap', 'none'] as const)('sandbox (%s)', (mode) => {
  let sandbox: Sandbox;
  let work: string;
  let secretDir: string;
  let secretFile: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sluice-sbx-work-'));
    secretDir = await mkdtemp(join(tmpdir(), 'sluice-sbx-secret-'));
    secretFile = join(secretDir, 'key.pem');
    await writeFile(secretFile, 'TOP-SECRET-KEY\n');
    sandbox = await createSandbox({ mode, network: false, readOnlyPaths: [], hide: [secretDir] });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await rm(secretDir, { recursive: true, force: true });
  });

  const sh = (
    script: string,
    extra: { timeoutMs?: number; signal?: AbortSignal; stopGraceMs?: number } = {},
  ) =>
    sandbox.run({
      argv: ['/bin/sh', '-c', script],
      cwd: work,
      writable: [work],
      env: { PATH: '/usr/bin:/bin', ONLY_THIS: 'yes' },
      timeoutMs: extra.timeoutMs ?? 10_000,
      signal: extra.signal,
      stopGraceMs: extra.stopGraceMs,
    });

  it('runs in the given directory with exactly the given environment', async () => {
    process.env.SLUICE_TEST_SERVER_SECRET = 'server-only';
    const result = await sh('pwd; env | sort');
    delete process.env.SLUICE_TEST_SERVER_SECRET;
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(work);
    expect(result.stdout).toContain('ONLY_THIS=yes');
    expect(result.stdout).not.toContain('server-only');
  });

  it('kills the whole process tree on timeout', async () => {
    const pidFile = join(work, 'child.pid');
    const result = await sh(`sleep 60 & echo $! > ${pidFile}; wait`, { timeoutMs: 500 });
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeLessThan(5_000);
    if (mode === 'none') {
      // Inside bubblewrap the pid is the namespace's own; outside it is the host's and must be gone.
      const pid = Number((await readFile(pidFile, 'utf8')).trim());
      await new Promise((r) => setTimeout(r, 100));
      expect(await isRunning(pid)).toBe(false);
    }
  });

  it('stops when the job is cancelled', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('superseded'), 200);
    const result = await sh('sleep 60', { signal: controller.signal });
    expect(result.cancelled).toBe(true);
    expect(result.durationMs).toBeLessThan(5_000);
  });

  it('interrupts a stopped step first (SIGINT reaches the tool inside), so it can clean up and exit', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort('shutdown'), 300);
    const result = await sh(
      `trap 'echo cleaned > interrupted; exit 7' INT; echo started; while true; do sleep 0.1; done`,
      { signal: controller.signal, stopGraceMs: 20_000 },
    );
    expect(result.cancelled).toBe(true);
    expect(result.exitCode).toBe(7);
    expect(result.durationMs).toBeLessThan(5_000);
    expect(await readFile(join(work, 'interrupted'), 'utf8')).toBe('cleaned\n');
  });

  it('kills a step that ignores the interrupt once the grace period is over', async () => {
    const result = await sh(`trap '' INT; echo started; while true; do sleep 0.1; done`, {
      timeoutMs: 300,
      stopGraceMs: 1_500,
    });
    expect(result.timedOut).toBe(true);
    expect(result.durationMs).toBeGreaterThanOrEqual(1_500);
    expect(result.durationMs).toBeLessThan(6_000);
  });

  it('writes where it is allowed to', async () => {
    expect((await sh('echo ok > here')).exitCode).toBe(0);
    expect(await readFile(join(work, 'here'), 'utf8')).toBe('ok\n');
  });
});

describe('bubblewrap sandbox isolation', () => {
  let sandbox: Sandbox;
  let work: string;
  let secretDir: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sluice-sbx-work-'));
    secretDir = await mkdtemp(join(tmpdir(), 'sluice-sbx-secret-'));
    await writeFile(join(secretDir, 'key.pem'), 'TOP-SECRET-KEY\n');
    // `bwrap`, not `auto`: on a machine where bubblewrap cannot run this must fail, not fall back.
    sandbox = await createSandbox({ mode: 'bwrap', network: false, readOnlyPaths: [], hide: [secretDir] });
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
    await rm(secretDir, { recursive: true, force: true });
  });

  const sh = (script: string) =>
    sandbox.run({
      argv: ['/bin/sh', '-c', script],
      cwd: work,
      writable: [work],
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 10_000,
    });

  it('cannot read the server temp files, hidden paths or home directories', async () => {
    const read = await sh(`cat ${join(secretDir, 'key.pem')} || echo refused`);
    expect(read.stdout).toContain('refused');
    expect(read.stdout).not.toContain('TOP-SECRET-KEY');
    const home = await sh(`ls -a /root /home ${secretDir} 2>&1`);
    expect(home.stdout).not.toMatch(/\.ssh|\.npmrc|key\.pem/);
  });

  it('cannot write outside its writable directories, even as root', async () => {
    const write = await sh('echo x > /usr/sluice-test && echo wrote || echo refused');
    expect(write.stdout.trim()).toBe('refused');
  });

  it('has no network when network is off', async () => {
    const net = await sh('cat /proc/net/dev');
    expect(net.stdout).not.toMatch(/eth0|ens|enp/);
  });

  it("lets one run override the sandbox's network setting, both ways, never with the host's network", async () => {
    const interfaces = (text: string) =>
      text
        .split('\n')
        .map((line) => /^\s*([\w.-]+):/.exec(line)?.[1])
        .filter(Boolean)
        .sort();
    const netDev = (on: Sandbox, network: boolean) =>
      on.run({
        argv: ['/bin/sh', '-c', 'cat /proc/net/dev; echo "proxy=$HTTPS_PROXY"'],
        cwd: work,
        writable: [work],
        env: { PATH: '/usr/bin:/bin' },
        timeoutMs: 10_000,
        network,
      });
    // Built with network off (above): a run that allows it gets the egress proxy, still only loopback.
    const on = await netDev(sandbox, true);
    expect(interfaces(on.stdout)).toEqual(['lo']);
    expect(on.stdout).toContain('proxy=http://127.0.0.1:3128');
    const open = await createSandbox({ mode: 'bwrap', network: true, readOnlyPaths: [], hide: [secretDir] });
    const off = await netDev(open, false);
    expect(interfaces(off.stdout)).toEqual(['lo']);
    expect(off.stdout).toContain('proxy=\n');
  });
});
