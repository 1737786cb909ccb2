import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../support/harness.js';
import { type Canary, expectNoCanary, makeCanary } from './support/canary.js';

/** Everything a plan step can print a passed secret as: raw, base64 (alone and inside more), hex, URL-encoded. */
const PRINT_FORMS = (name: string) => [
  `printf 'raw=%s\\n' "$${name}"`,
  `printf 'b64=%s\\n' "$(printf %s "$${name}" | base64 -w0)"`,
  `printf 'b64in=%s\\n' "$(printf 'ab%s and more' "$${name}" | base64 -w0)"`,
  `printf 'hex=%s\\n' "$(printf %s "$${name}" | od -An -tx1 -v | tr -d ' \\n')"`,
  `printf 'url=%s\\n' "$(printf %s "$${name}" | sed 's/ /%20/g; s#/#%2F#g; s/+/%2B/g; s/?/%3F/g')"`,
];

describe('a plan step prints plan_env secrets with innocuous names (embedded backend)', () => {
  let h: Harness;
  let configDir: string;
  const pass = makeCanary('dbpass');
  const x = makeCanary('x');
  const urlPassword = makeCanary('urlpw');
  const names = ['DB_PASS', 'X', 'DATABASE_URL'];
  const databaseUrl = `postgres://app:${encodeURIComponent(urlPassword.value)}@db.internal:5432/shop`;
  const script = [
    ...PRINT_FORMS('DB_PASS'),
    ...PRINT_FORMS('X'),
    `printf 'db=%s\\n' "$DATABASE_URL"`,
    `printf 'pw=%s\\n' "$(printf %s "$DATABASE_URL" | sed 's#^[^:]*://[^:]*:\\([^@]*\\)@.*#\\1#' | sed 's/%20/ /g; s#%2F#/#g; s/%2B/+/g; s/%3F/?/g')"`,
    'echo printed-everything',
  ].join('; ');

  beforeAll(async () => {
    process.env.DB_PASS = pass.value;
    process.env.X = x.value;
    process.env.DATABASE_URL = databaseUrl;
    configDir = await mkdtemp(join(tmpdir(), 'sluice-masking-'));
    const configFile = join(configDir, 'sluice-server.yaml');
    await writeFile(
      configFile,
      `version: 1
repos:
  - id_regex: '.*'
    allowed: true
    workflow: leaky
    sandbox:
      plan_env: [${names.join(', ')}]
workflows:
  leaky:
    plan:
      steps:
        - init
        - run: [sh, -c, ${JSON.stringify(script)}]
        - plan
`,
    );
    h = await startHarness({
      forge: 'github',
      backend: 'embedded',
      initialFiles: { 'app/main.tf': 'resource "terraform_data" "a" {\n  input = "a"\n}\n' },
      env: { SLUICE_CONFIG: configFile },
    });
  });
  afterAll(async () => {
    await h?.close();
    for (const name of names) delete process.env[name];
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });

  it('none of their forms reach the comment, the statuses, the log or the store', async () => {
    const pr = await h.openPullRequest(1, {
      'app/main.tf': 'resource "terraform_data" "a" {\n  input = "b"\n}\n',
    });
    expect(await h.planDone(pr.headSha)).toMatchObject({ state: 'success' });
    const comment = h.planComments(1)[0]?.body ?? '';
    // The step ran and printed everything; what it printed is there, masked.
    expect(comment).toContain('printed-everything');
    expect(comment).toContain('raw=***');
    expect(comment).toContain('hex=***');
    expect(comment).toContain('db=postgres://app:***@db.internal:5432/shop');

    const texts = [
      ...h.forge.comments(1).map((c) => c.body),
      ...h.forge.statuses(pr.headSha).map((s) => `${s.context} ${s.description}`),
      h.logs.join(''),
      ...(await storeFiles(h.settings.dataDir)),
    ];
    for (const canary of [pass, x, urlPassword] satisfies Canary[]) expectNoCanary(texts, canary);
  });
});

/** The embedded store's files (database and write-ahead log), as text to search. */
async function storeFiles(dataDir: string): Promise<string[]> {
  const files = (await readdir(dataDir)).filter((f) => f.startsWith('sluice.db'));
  expect(files.length).toBeGreaterThan(0);
  return Promise.all(files.map(async (f) => (await readFile(join(dataDir, f))).toString('latin1')));
}
