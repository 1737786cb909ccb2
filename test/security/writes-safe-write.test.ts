import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeFreshDir, makeServerDir, replaceFile, writeNewFile } from '../../src/runner/safe-write.js';

const DATABASE = 'the server database\n';

describe('safe-write: server writes never follow links', () => {
  let root: string;
  let database: string;

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'sluice-safe-write-'));
    database = join(root, 'sluice.db');
    await writeFile(database, DATABASE);
    await mkdir(join(root, 'work'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('writeNewFile refuses a link at the path, says so, and leaves its target alone', async () => {
    const path = join(root, 'work', 'plan.json');
    await symlink(database, path);
    await expect(writeNewFile(path, 'oops')).rejects.toThrow(
      /Sluice did not write `plan.json`: something is already at .*plan\.json\. A step or the commit put something/,
    );
    expect(await readFile(database, 'utf8')).toBe(DATABASE);
  });

  it('writeNewFile refuses a dangling link and an existing file', async () => {
    const dangling = join(root, 'work', 'dangling');
    await symlink(join(root, 'not-yet'), dangling);
    await expect(writeNewFile(dangling, 'x')).rejects.toMatchObject({ code: 'UNSAFE_WRITE_REFUSED' });
    await expect(readFile(join(root, 'not-yet'))).rejects.toThrow();
    await writeFile(join(root, 'work', 'existing'), 'mine');
    await expect(writeNewFile(join(root, 'work', 'existing'), 'x')).rejects.toMatchObject({
      code: 'UNSAFE_WRITE_REFUSED',
    });
  });

  it('makeFreshDir refuses an existing path or a link, and a parent that is a link', async () => {
    await symlink(root, join(root, 'work', 'linked'));
    await expect(makeFreshDir(join(root, 'work', 'linked'))).rejects.toMatchObject({
      code: 'UNSAFE_WRITE_REFUSED',
    });
    await expect(makeFreshDir(join(root, 'work', 'linked', 'inside'))).rejects.toThrow(
      /is not a plain folder/,
    );
    await makeFreshDir(join(root, 'work', 'fresh'));
    await expect(makeFreshDir(join(root, 'work', 'fresh'))).rejects.toMatchObject({
      code: 'UNSAFE_WRITE_REFUSED',
    });
  });

  it('makeServerDir makes a new folder beside (not inside) the given one; replaceFile replaces in it', async () => {
    const artifactDir = join(root, 'work', 'artifacts');
    await mkdir(artifactDir);
    const dir = await makeServerDir(artifactDir);
    expect(dirname(dir)).toBe(join(root, 'work'));
    expect(dir.startsWith(`${artifactDir}.sluice-`)).toBe(true);
    await replaceFile(dir, 'plan.json', 'one');
    await replaceFile(dir, 'plan.json', 'two');
    expect(await readFile(join(dir, 'plan.json'), 'utf8')).toBe('two');
  });
});
