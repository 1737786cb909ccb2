import { describe, expect, it } from 'vitest';
import { bwrapArgs } from '../../../../src/runner/sandbox/bwrap-args.js';
import { hiddenPaths, packageRoot } from '../../../../src/runner/sandbox/hidden-paths.js';

const plan = {
  system: ['--ro-bind', '/usr', '/usr', '--ro-bind-try', '/etc/ssl/certs', '/etc/ssl/certs'],
  privateRoots: ['/srv/sluice/data', '/srv/sluice'],
  secrets: [{ path: '/etc/sluice', kind: 'dir' as const }],
  readOnly: ['/srv/sluice/.tools/bin'],
  writable: ['/srv/sluice/data/jobs/1'],
  cwd: '/srv/sluice/data/jobs/1',
  env: { PATH: '/usr/bin' },
  argv: ['tofu', 'plan'],
};

describe('bwrapArgs', () => {
  it('runs as uid/gid 65534 in new namespaces, no host network, no capabilities', () => {
    const args = bwrapArgs(plan);
    expect(args.join(' ')).toContain('--unshare-all --unshare-user --uid 65534 --gid 65534 --cap-drop ALL');
    expect(args).not.toContain('--share-net');
    expect(args).not.toContain('/etc/ssl');
  });

  it('covers private roots (outer first) before the step’s binds, secrets after every bind', () => {
    const args = bwrapArgs(plan);
    const at = (value: string, from = 0) => args.indexOf(value, from);
    const outer = at('/srv/sluice');
    const inner = at('/srv/sluice/data');
    expect(args[outer - 1]).toBe('--tmpfs');
    expect(outer).toBeLessThan(inner);
    expect(inner).toBeLessThan(at('/srv/sluice/.tools/bin'));
    const lastBind = args.lastIndexOf('--bind');
    const secret = at('/etc/sluice');
    expect(args.slice(secret - 1, secret + 3)).toEqual([
      '--tmpfs',
      '/etc/sluice',
      '--remount-ro',
      '/etc/sluice',
    ]);
    expect(secret).toBeGreaterThan(lastBind);
    expect(args.slice(-3)).toEqual(['--', 'tofu', 'plan']);
  });

  it('refuses to show anything inside a secret folder', () => {
    expect(() => bwrapArgs({ ...plan, readOnly: ['/etc/sluice/keys'] })).toThrow(
      'the sandbox would show /etc/sluice/keys, which holds or is inside the hidden /etc/sluice',
    );
  });

  it('with egress: the proxy variables, the forwarder before the limits before the step', () => {
    const args = bwrapArgs({
      ...plan,
      limits: { memoryBytes: 1024, processes: 10, fileBytes: 2048 },
      egress: { socket: '/run/x/egress.sock', forwarder: '/run/x/forwarder.cjs', node: '/usr/bin/node' },
    });
    expect(args.join(' ')).toContain('--setenv HTTPS_PROXY http://127.0.0.1:3128');
    expect(args.join(' ')).toContain('--ro-bind /run/x/egress.sock /run/sluice/egress.sock');
    const tail = args.slice(args.lastIndexOf('--', args.indexOf('/usr/bin/node')) + 1);
    expect(tail).toEqual([
      '/usr/bin/node',
      '/run/sluice/forwarder.cjs',
      '3128',
      '/run/sluice/egress.sock',
      '--',
      '/usr/bin/prlimit',
      '--as=1024',
      '--nproc=10',
      '--fsize=2048',
      '--',
      'tofu',
      'plan',
    ]);
  });
});

describe('hiddenPaths', () => {
  it('hides the install, the data directory and the whole folder of each secret file', () => {
    const result = hiddenPaths({
      installDir: '/opt/sluice',
      dataDir: '/var/lib/sluice',
      secretFiles: ['/etc/sluice/app.pem'],
    });
    expect(result).toEqual({
      ok: true,
      paths: { privateRoots: ['/opt/sluice', '/var/lib/sluice'], secretDirs: ['/etc/sluice'] },
    });
  });

  it.each([
    [{ installDir: '/opt/sluice', dataDir: '/', secretFiles: [] }, 'SLUICE_DATA_DIR is /'],
    [{ installDir: '/', dataDir: '/var/lib/sluice', secretFiles: [] }, "Sluice's install folder is /"],
    [{ installDir: '/opt/sluice', dataDir: '/usr', secretFiles: [] }, 'SLUICE_DATA_DIR is /usr'],
    [
      { installDir: '/opt/sluice', dataDir: '/var/lib/sluice', secretFiles: ['/etc/app.pem'] },
      'the folder of PRIVATE_KEY_PATH is /etc',
    ],
  ])('refuses to hide a system folder: %j', (input, said) => {
    const result = hiddenPaths(input);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.problem).toContain(said);
    expect(!result.ok && result.problem).toContain('Move it into a folder of its own');
  });

  it('finds the install from its own code, not from the working directory', () => {
    expect(packageRoot('/opt/sluice/dist/src/runner/sandbox/hidden-paths.js')).toBe(
      '/opt/sluice/dist/src/runner/sandbox',
    );
    expect(packageRoot()).toBe(process.cwd());
  });
});
