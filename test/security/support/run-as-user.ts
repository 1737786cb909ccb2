/**
 * Runs one shell script in Sluice's sandbox from a process that is NOT root, as a server running as its
 * own dedicated user would (docs/security.md): `tsx run-as-user.ts '<limits json>' '<script>' <timeoutMs>`.
 * Prints the step's outcome as JSON. Started by the security tests through `setpriv` when they run as root.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSandbox } from '../../../src/runner/sandbox.js';

const [limits = '{}', script = 'true', timeout = '20000'] = process.argv.slice(2);
const work = await mkdtemp(join(tmpdir(), 'sluice-sec-user-'));
try {
  const sandbox = await createSandbox({
    mode: 'bwrap',
    network: false,
    readOnlyPaths: [],
    dataDir: work,
    limits: JSON.parse(limits),
  });
  if (sandbox.problem) {
    process.stdout.write(JSON.stringify({ problem: sandbox.problem }));
  } else {
    const result = await sandbox.run({
      argv: ['/bin/sh', '-c', script],
      cwd: work,
      writable: [work],
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: Number(timeout),
    });
    process.stdout.write(JSON.stringify({ uid: process.getuid?.(), ...result }));
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
