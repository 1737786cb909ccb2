import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { type Catalog, parseCatalog } from '../../dbt/catalog.js';
import { ArtifactError, type Manifest, parseManifest } from '../../dbt/manifest.js';
import { prProfile } from '../../dbt/pr-profile.js';
import { makeFreshDir, writeNewFile } from '../safe-write.js';
import { readTextInside } from './read-inside.js';

const MAX_CONFIG_FILE = 1024 * 1024;

export interface PrepareInput {
  checkoutDir: string;
  projectDir: string;
  /** A folder only the server writes (safe-write.ts makeServerDir), read-only to dbt's steps. */
  serverDir: string;
  /** Where the user's profiles.yml is, relative to the checkout; default the project dir. */
  profilesDir?: string;
  target?: string;
  /** The PR's schema for a plan; absent for an apply, which builds where the profile says. */
  schema?: string;
  baseManifest?: string;
  baseCatalog?: string;
}

export interface PreparedRun {
  /** Holds the PR's profiles.yml: the user's, with the target's schema set to the PR's. */
  profilesDir: string;
  target: string;
  /** `--state` for dbt: production's manifest, written where dbt can read it. */
  stateDir?: string;
  base?: Manifest;
  baseHash?: string;
  baseCatalog?: Catalog;
}

export type Prepared = { ok: true; run: PreparedRun } | { ok: false; step: string; message: string };

/**
 * Everything the dbt steps need before the first one runs: the PR's profiles.yml (in the server's
 * own folder, so the checkout is left as it is and no step can swap it), production's manifest as
 * dbt's `--state` dir, and the production artifacts parsed. The user's files are read only inside
 * the checkout.
 */
export async function prepareDbtRun(input: PrepareInput): Promise<Prepared> {
  const projectYml = await readTextInside(
    input.checkoutDir,
    join(input.projectDir, 'dbt_project.yml'),
    MAX_CONFIG_FILE,
  );
  if (projectYml === undefined) {
    return { ok: false, step: 'profile', message: 'The project has no readable `dbt_project.yml`.' };
  }
  const userProfiles = input.profilesDir ? join(input.checkoutDir, input.profilesDir) : input.projectDir;
  const profilesYml = await readTextInside(
    input.checkoutDir,
    join(userProfiles, 'profiles.yml'),
    MAX_CONFIG_FILE,
  );
  if (profilesYml === undefined) {
    return {
      ok: false,
      step: 'profile',
      message: `No readable \`profiles.yml\` in \`${input.profilesDir ?? 'the project directory'}\`: commit one that reads credentials with \`env_var()\`.`,
    };
  }
  const profile = prProfile({ profilesYml, projectYml, schema: input.schema, target: input.target });
  if (!profile.ok) return { ok: false, step: 'profile', message: profile.message };
  const profilesDir = join(input.serverDir, 'profiles');
  await makeFreshDir(profilesDir);
  await writeNewFile(join(profilesDir, 'profiles.yml'), profile.profilesYml);

  const run: PreparedRun = { profilesDir, target: profile.target };
  try {
    if (input.baseManifest !== undefined) {
      run.base = parseManifest(input.baseManifest, "production's manifest.json");
      run.baseHash = createHash('sha256').update(input.baseManifest).digest('hex');
      run.stateDir = join(input.serverDir, 'state');
      await makeFreshDir(run.stateDir);
      await writeNewFile(join(run.stateDir, 'manifest.json'), input.baseManifest);
    }
    if (input.baseCatalog !== undefined)
      run.baseCatalog = parseCatalog(input.baseCatalog, "production's catalog.json");
  } catch (error) {
    if (error instanceof ArtifactError)
      return { ok: false, step: 'production state', message: error.message };
    throw error;
  }
  return { ok: true, run };
}
