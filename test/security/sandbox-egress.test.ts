import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isForbiddenAddress } from '../../src/runner/sandbox/address-policy.js';
import type { EgressRefusal } from '../../src/runner/sandbox/egress-proxy.js';
import { createSandbox, type Sandbox } from '../../src/runner/sandbox.js';

/**
 * The egress proxy, end to end: a step with the network on reaches the outside only through Sluice's
 * proxy. No internet here: a local HTTP server plays the registry, and the proxy's resolver (injected)
 * maps test names to addresses.
 */
describe('sandbox egress through the allow-list proxy', () => {
  let registry: Server;
  let port: number;
  const hits: string[] = [];
  let work: string;
  const names: Record<string, string[]> = {};
  const resolve = async (host: string) => {
    const found = names[host];
    if (!found) throw new Error(`no such host ${host}`);
    return found;
  };

  beforeAll(async () => {
    registry = createServer((request, response) => {
      hits.push(`${request.headers.host}${request.url}`);
      response.end('hello from the registry\n');
    });
    await new Promise<void>((done) => registry.listen(0, '127.0.0.1', done));
    port = (registry.address() as { port: number }).port;
    work = await mkdtemp(join(tmpdir(), 'sluice-sec-egress-'));
    names['registry.sluice.test'] = ['127.0.0.1'];
    names['other.sluice.test'] = ['127.0.0.1'];
    names['extra.sluice.test'] = ['127.0.0.1'];
    names['metadata.sluice.test'] = ['169.254.169.254'];
    names['intranet.sluice.test'] = ['10.20.30.40', '93.184.216.34'];
  });
  afterAll(async () => {
    registry.close();
    await rm(work, { recursive: true, force: true });
  });

  const curl = (sandbox: Sandbox, host: string, extra: { allowedHosts?: string[] } = {}) =>
    sandbox.run({
      argv: [
        '/bin/sh',
        '-c',
        `curl -sS -m 10 --proxytunnel http://${host}:${port}/v1/providers; echo "exit=$?"`,
      ],
      cwd: work,
      writable: [work],
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 20_000,
      network: true,
      ...extra,
    });

  describe('with the test registry’s address as the one exemption from the address policy', () => {
    let sandbox: Sandbox;
    const refused: EgressRefusal[] = [];

    beforeAll(async () => {
      sandbox = await createSandbox({
        mode: 'bwrap',
        network: false,
        readOnlyPaths: [],
        dataDir: work,
        egressHosts: [`registry.sluice.test:${port}`],
        resolve,
        egressForbidden: (address) => address !== '127.0.0.1' && isForbiddenAddress(address),
        onEgressRefused: (refusal) => refused.push(refusal),
      });
      expect(sandbox.problem).toBeUndefined();
    });

    it('tunnels to an allowed host', async () => {
      const result = await curl(sandbox, 'registry.sluice.test');
      expect(result.stdout).toBe('hello from the registry\nexit=0\n');
      expect(hits).toContain(`registry.sluice.test:${port}/v1/providers`);
    });

    it('refuses a host not on the allow-list, and logs it', async () => {
      const before = hits.length;
      const result = await curl(sandbox, 'other.sluice.test');
      expect(result.stdout).toMatch(/exit=[1-9]/);
      expect(result.stderr).toContain('CONNECT tunnel failed, response 403');
      expect(hits).toHaveLength(before);
      expect(refused).toContainEqual({
        host: 'other.sluice.test',
        port,
        reason: `other.sluice.test:${port} is not on the allow-list`,
      });
    });

    it("adds a repository's allowed hosts for its runs only", async () => {
      expect(
        (await curl(sandbox, 'extra.sluice.test', { allowedHosts: [`extra.sluice.test:${port}`] })).stdout,
      ).toBe('hello from the registry\nexit=0\n');
      expect((await curl(sandbox, 'extra.sluice.test')).stderr).toContain('response 403');
    });

    it('refuses an allowed name that resolves to metadata or a private address', async () => {
      const result = await sandbox.run({
        argv: [
          '/bin/sh',
          '-c',
          `for h in metadata.sluice.test intranet.sluice.test; do curl -sS -m 10 --proxytunnel http://$h:${port}/; echo "exit=$?"; done`,
        ],
        cwd: work,
        writable: [work],
        env: { PATH: '/usr/bin:/bin' },
        timeoutMs: 20_000,
        network: true,
        allowedHosts: [`metadata.sluice.test:${port}`, `intranet.sluice.test:${port}`],
      });
      expect(result.stdout.match(/exit=[1-9]\d*/g)).toHaveLength(2);
      expect(refused.map((r) => r.reason)).toEqual(
        expect.arrayContaining([
          'metadata.sluice.test resolves to 169.254.169.254, an address the sandbox may not reach',
          'intranet.sluice.test resolves to 10.20.30.40, an address the sandbox may not reach',
        ]),
      );
    });
  });

  describe('with the default address policy', () => {
    it('reaches a loopback address the admin listed by number, on the same address inside (a state backend)', async () => {
      const sandbox = await createSandbox({
        mode: 'bwrap',
        network: true,
        readOnlyPaths: [],
        dataDir: work,
        egressHosts: [`127.0.0.1:${port}`],
      });
      const before = hits.length;
      const listed = await sandbox.run({
        argv: ['/bin/sh', '-c', `curl -sS -m 10 http://127.0.0.1:${port}/state/x; echo "exit=$?"`],
        cwd: work,
        writable: [work],
        env: { PATH: '/usr/bin:/bin' },
        timeoutMs: 20_000,
      });
      expect(listed.stdout).toBe('hello from the registry\nexit=0\n');
      expect(hits).toHaveLength(before + 1);
      // Another port of the same address stays out of reach.
      const other = await sandbox.run({
        argv: ['/bin/sh', '-c', `curl -sS -m 10 http://127.0.0.1:${port + 1}/; echo "exit=$?"`],
        cwd: work,
        writable: [work],
        env: { PATH: '/usr/bin:/bin' },
        timeoutMs: 20_000,
      });
      expect(other.stdout).toMatch(/exit=[1-9]/);
    });

    it('refuses an allowed name that resolves to loopback (DNS rebinding): nothing reaches the server', async () => {
      const refused: EgressRefusal[] = [];
      const sandbox = await createSandbox({
        mode: 'bwrap',
        network: true,
        readOnlyPaths: [],
        dataDir: work,
        egressHosts: [`registry.sluice.test:${port}`],
        resolve,
        onEgressRefused: (refusal) => refused.push(refusal),
      });
      const before = hits.length;
      const result = await curl(sandbox, 'registry.sluice.test');
      expect(result.stdout).toMatch(/exit=[1-9]/);
      expect(result.stderr).toContain('response 403');
      expect(hits).toHaveLength(before);
      expect(refused).toEqual([
        {
          host: 'registry.sluice.test',
          port,
          reason: 'registry.sluice.test resolves to 127.0.0.1, an address the sandbox may not reach',
        },
      ]);
    });
  });
});
