import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageRoot } from '../../src/runner/sandbox/hidden-paths.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';

/**
 * What a pull request's plan-time code (a committed provider binary, a dbt Python model) can do inside
 * the sandbox: a shell as the step, trying to read the server's secrets and reach its network.
 */
describe('sandbox isolation: what plan-time code cannot read or reach', () => {
  const canary = `canary-${randomBytes(12).toString('hex')}`;
  let sandbox: Sandbox;
  let dataDir: string;
  let work: string;
  let keyDir: string;
  let keyFile: string;
  let sslCanary: string | undefined;
  let listener: Server;
  let listenerPort: number;
  let listenerHits = 0;

  beforeAll(async () => {
    // The server's environment carries the secret too (WEBHOOK_SECRET): steps must never see it.
    process.env.WEBHOOK_SECRET = canary;
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-sec-data-'));
    await writeFile(join(dataDir, 'github-app.env'), `WEBHOOK_SECRET=${canary}\n`);
    await writeFile(join(dataDir, 'sluice.db'), `stored ${canary}\n`);
    work = join(dataDir, 'jobs', '1');
    await mkdir(work, { recursive: true });
    keyDir = await mkdtemp(join(tmpdir(), 'sluice-sec-key-'));
    keyFile = join(keyDir, 'app.pem');
    await writeFile(keyFile, `-----BEGIN RSA PRIVATE KEY-----\n${canary}\n`);
    await writeFile(join(keyDir, 'app.pem.bak'), `${canary}\n`);
    // A host TLS key where the system keeps them; the sandbox shows /etc/ssl/certs only.
    const candidate = `/etc/ssl/private/sluice-test-${randomBytes(4).toString('hex')}.pem`;
    await mkdir('/etc/ssl/private', { recursive: true }).catch(() => undefined);
    sslCanary = await writeFile(candidate, `${canary}\n`, { mode: 0o600 }).then(
      () => candidate,
      () => undefined,
    );
    listener = createServer((socket) => {
      listenerHits++;
      socket.end(`+PONG ${canary}\r\n`);
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerPort = (listener.address() as { port: number }).port;
    sandbox = await createSandbox({
      mode: 'bwrap',
      network: false,
      readOnlyPaths: [],
      dataDir,
      secretFiles: [keyFile],
    });
    expect(sandbox.problem).toBeUndefined();
  });
  afterAll(async () => {
    delete process.env.WEBHOOK_SECRET;
    listener.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(keyDir, { recursive: true, force: true });
    if (sslCanary) await rm(sslCanary, { force: true });
  });

  const sh = (script: string, network = false) =>
    sandbox.run({
      argv: ['/bin/sh', '-c', script],
      cwd: work,
      writable: [work],
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 20_000,
      network,
    });
  const everything = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

  it('runs as an unprivileged uid with no capabilities, and still writes the job checkout', async () => {
    const result = await sh(
      'id -u; id -g; grep CapEff /proc/self/status; echo made > out.txt && cat out.txt',
    );
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^65534\n65534\nCapEff:\s+0+\nmade\n$/);
    expect(await readFile(join(work, 'out.txt'), 'utf8')).toBe('made\n');
  });

  it("cannot read the App key, its folder, the data directory, Sluice's install or /etc/ssl/private", async () => {
    const root = packageRoot();
    const result = await sh(
      [
        `cat ${keyFile}`,
        `cat ${join(keyDir, 'app.pem.bak')}`,
        `ls -a ${keyDir}`,
        `cat ${join(dataDir, 'github-app.env')} ${join(dataDir, 'sluice.db')}`,
        `ls -a ${dataDir}`,
        `cat ${join(root, 'package.json')}`,
        `ls -a ${root}`,
        `ls -a /etc/ssl/private`,
        sslCanary ? `cat ${sslCanary}` : 'true',
        'ls /etc/ssl/certs | head -3',
        'echo end',
      ].join('; '),
    );
    const out = everything(result);
    expect(out).not.toContain(canary);
    expect(out).toContain('end');
    expect(result.stdout).not.toMatch(/app\.pem|github-app\.env|sluice\.db|package\.json/);
    expect(result.stderr).toMatch(/\/etc\/ssl\/private.*No such file or directory/);
    // The CA certificates tools need are there.
    expect(result.stdout).not.toBe('end\n');
  });

  it("cannot see the server's environment through /proc (its own pid namespace)", async () => {
    const result = await sh(
      'cat /proc/1/environ; for f in /proc/[0-9]*/environ; do cat "$f"; done; env; echo end',
    );
    expect(everything(result)).not.toContain(canary);
    expect(result.stdout).toContain('end');
  });

  it('cannot connect to a loopback service of the host (Redis, Sluice’s own port)', async () => {
    const before = listenerHits;
    const result = await sh(`curl -sS -m 5 telnet://127.0.0.1:${listenerPort} </dev/null; echo "exit=$?"`);
    expect(result.stdout).toMatch(/exit=[1-9]/);
    expect(result.stderr).toMatch(/Could not connect|Connection refused|Failed to connect/i);
    expect(listenerHits).toBe(before);
    expect(everything(result)).not.toContain(canary);
  });

  it('has no route to cloud metadata or private addresses, network on or off', async () => {
    for (const network of [false, true]) {
      const result = await sh(
        'for a in 169.254.169.254 10.0.0.1 192.168.1.1; do curl --noproxy "*" -sS -m 5 "http://$a/" ; echo "exit=$?"; done',
        network,
      );
      expect(result.stdout.match(/exit=[1-9]\d*/g)).toHaveLength(3);
      expect(result.stderr).toMatch(/unreachable|Could not connect|Failed to connect/i);
    }
  });

  it('through the egress proxy, metadata and loopback addresses are refused even by IP', async () => {
    const result = await sh(
      `curl -sS -m 5 https://169.254.169.254/ ; echo "exit=$?"; curl -sS -m 5 --proxytunnel http://127.0.0.1:${listenerPort}/ ; echo "exit=$?"`,
      true,
    );
    expect(result.stdout.match(/exit=[1-9]\d*/g)).toHaveLength(2);
    expect(result.stderr).toMatch(/CONNECT tunnel failed, response 403/);
    expect(everything(result)).not.toContain(canary);
  });
});

describe('sandbox resource limits', () => {
  const limits = { memoryBytes: 256 * 1024 ** 2, processes: 64, fileBytes: 8 * 1024 ** 2 };
  let work: string;
  let sandbox: Sandbox;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sluice-sec-limits-'));
    sandbox = await createSandbox({
      mode: 'bwrap',
      network: false,
      readOnlyPaths: [],
      dataDir: work,
      limits,
    });
    expect(sandbox.problem).toBeUndefined();
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  const sh = (script: string, timeoutMs = 20_000) =>
    sandbox.run({
      argv: ['/bin/sh', '-c', script],
      cwd: work,
      writable: [work],
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs,
    });

  it('stops a big allocation (the address-space limit binds root too)', async () => {
    const result = await sh(`perl -e '$x = "a" x (1024*1024*1024); print "allocated\\n"'`);
    expect(result.exitCode).not.toBe(0);
    expect(result.stdout).not.toContain('allocated');
    expect(result.stderr).toMatch(/Out of memory/i);
  });

  it('stops a huge file at the file size limit', async () => {
    const result = await sh('head -c 50000000 /dev/zero > big; echo "exit=$?"; wc -c < big');
    expect(result.stdout).toMatch(/exit=1\d\d/);
    expect(Number(result.stdout.trim().split('\n').at(-1))).toBe(limits.fileBytes);
  });

  it('stops a fork bomb at the process limit when Sluice runs as its own user', async () => {
    // RLIMIT_NPROC does not bind root (docs/security.md): the step runs from a process of uid 65534,
    // as a server run as a dedicated user does. setpriv drops root for this test when it runs as root.
    const child = [
      join(packageRoot(), 'node_modules', '.bin', 'tsx'),
      join(packageRoot(), 'test', 'security', 'support', 'run-as-user.ts'),
      JSON.stringify(limits),
      'bomb() { bomb | bomb & }; bomb; wait',
      '8000',
    ];
    const asUser =
      process.getuid?.() === 0
        ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', ...child]
        : child;
    const started = Date.now();
    const out = execFileSync(asUser[0] ?? '', asUser.slice(1), {
      cwd: tmpdir(),
      env: { PATH: '/usr/bin:/bin', HOME: tmpdir() },
      maxBuffer: 64 * 1024 * 1024,
    }).toString();
    const result = JSON.parse(out) as { uid: number; stderr: string; exitCode: number | null };
    expect(result.uid).not.toBe(0);
    expect(result.stderr).toMatch(/Cannot fork|Resource temporarily unavailable/);
    expect(Date.now() - started).toBeLessThan(30_000);
    // Nothing of it lives on once the step is over (as root, uid 65534 runs nothing else here).
    let left = 'unchecked';
    for (let i = 0; i < 50 && left !== ''; i++) {
      await new Promise((r) => setTimeout(r, 100));
      left =
        process.getuid?.() === 0
          ? spawnSync('ps', ['-o', 'pid=', '-u', '65534']).stdout.toString().trim()
          : '';
    }
    expect(left).toBe('');
  });
});
