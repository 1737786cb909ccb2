import {
  type ConfigIssue,
  parseRepoConfig,
  REPO_CONFIG_FILES,
  type RepoConfig,
} from '../config/repo-config.js';
import type { Checkout } from '../runner/git-mirror.js';
import { readCheckoutFile } from './read-checkout-file.js';

export type LoadedRepoConfig =
  | {
      ok: true;
      /** Absent when the repo has no config file. */
      config?: RepoConfig;
      repoFiles: string[];
      read: (path: string) => string | undefined;
    }
  | { ok: false; file: string; issues: ConfigIssue[] };

/** Lists the checkout's files and reads its `sluice.yaml`, if any; the one place a job reads repo config. */
export async function loadRepoConfig(checkout: Checkout): Promise<LoadedRepoConfig> {
  const repoFiles = await checkout.listFiles();
  const read = (path: string) => readCheckoutFile(checkout.dir, path);
  const file = REPO_CONFIG_FILES.find((f) => repoFiles.includes(f));
  if (!file) return { ok: true, repoFiles, read };
  const parsed = parseRepoConfig(read(file) ?? '', file);
  if (!parsed.ok) return { ok: false, file, issues: parsed.issues };
  return { ok: true, config: parsed.config, repoFiles, read };
}
