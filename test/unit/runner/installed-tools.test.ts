import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findInstalledTools } from '../../../src/runner/installed-tools.js';

/** A stand-in binary that answers `version` (and `version -json`) the way OpenTofu and Terraform do. */
async function fakeTool(path: string, firstLine: string): Promise<void> {
  const version = /v(\S+)/.exec(firstLine)?.[1] ?? '';
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    `#!/bin/sh\nif [ "$2" = -json ]; then echo '{"terraform_version":"${version}"}'; exit 0; fi\necho '${firstLine}'\necho 'on linux_amd64'\n`,
  );
  await chmod(path, 0o755);
}

describe('findInstalledTools', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-tools-'));
    await fakeTool(join(root, 'bin/tofu'), 'OpenTofu v1.12.6');
    await fakeTool(join(root, 'tools/tofu/1.10.10/tofu'), 'OpenTofu v1.10.10');
    await fakeTool(join(root, 'tools/tofu/1.11.6/tofu'), 'OpenTofu v1.11.6');
    await fakeTool(join(root, 'tools/tofu/1.12.6/tofu'), 'OpenTofu v1.12.6');
    await fakeTool(join(root, 'tools/terraform/1.5.7/terraform'), 'Terraform v1.5.7');
    await fakeTool(join(root, 'tools/tofu/broken/tofu'), 'not a tool');
    await fakeTool(join(root, 'elsewhere/terraform-1.6'), 'Terraform v1.6.6');
    await fakeTool(join(root, 'elsewhere/tofu-dev'), 'OpenTofu v1.13.0-dev');
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const find = (pathDirs: string[], extra: string[] = []) =>
    findInstalledTools({
      toolsDir: join(root, 'tools'),
      extra,
      // Not the provisioned .tools/bin: only what this test put on PATH.
      pathEnv: pathDirs.join(':'),
      provisionedBin: join(root, 'none'),
    });

  it('lists the default first, then OpenTofu and Terraform versions newest first, each once', async () => {
    const found = await find(
      [join(root, 'bin')],
      [join(root, 'elsewhere/terraform-1.6'), join(root, 'elsewhere/tofu-dev')],
    );
    expect(`${found.default.name} ${found.default.version} ${found.default.path}`).toBe(
      `tofu 1.12.6 ${join(root, 'bin/tofu')}`,
    );
    expect(found.all.map((t) => `${t.name} ${t.version}`)).toEqual([
      'tofu 1.12.6',
      'tofu 1.13.0-dev',
      'tofu 1.11.6',
      'tofu 1.10.10',
      'terraform 1.6.6',
      'terraform 1.5.7',
    ]);
    expect(found.problems).toEqual([`${join(root, 'tools/tofu/broken/tofu')} is not a working tofu binary`]);
  });

  it('names extra binaries it cannot use', async () => {
    const found = await find([join(root, 'bin')], ['relative/tofu', join(root, 'missing')]);
    expect(found.problems).toContain(
      'SLUICE_EXTRA_TOOLS: relative/tofu is not an OpenTofu or Terraform binary (by absolute path)',
    );
    expect(found.problems).toContain(
      `SLUICE_EXTRA_TOOLS: ${join(root, 'missing')} is not an OpenTofu or Terraform binary (by absolute path)`,
    );
  });

  it('without a tool on PATH, the newest OpenTofu found is the default', async () => {
    const found = await find([]);
    expect(`${found.default.name} ${found.default.version}`).toBe('tofu 1.12.6');
    expect(found.default.path).toBe(join(root, 'tools/tofu/1.12.6/tofu'));
  });

  it('without any tool, says how to get one', async () => {
    await expect(
      findInstalledTools({ toolsDir: join(root, 'none'), pathEnv: '', provisionedBin: join(root, 'none') }),
    ).rejects.toThrow(/neither tofu nor terraform was found/);
  });
});
