import { lstatSync } from 'node:fs';
import { join } from 'node:path';
import { type ApplyRules, resolveApplyRules } from '../config/apply-rules.js';
import type { ConfigIssue, RepoConfig } from '../config/repo-config.js';
import { findRepoConfigFile, parseRepoConfigFile } from '../config/repo-config-file.js';
import type { RepoRules } from '../config/rules.js';
import { sizeMessage } from '../config/yaml-limits.js';
import type { Checkout } from '../runner/git-mirror.js';
import { readCheckoutFile } from './read-checkout-file.js';

export type LoadedRepoConfig =
  | {
      ok: true;
      /** Absent when the repo has no config file. */
      config?: RepoConfig;
      repoFiles: string[];
      read: (path: string) => string | undefined;
      /** The config file read (`sluice.yaml`, or `atlantis.yaml` when there is no `sluice.yaml`). */
      file?: string;
      /** What the file asks for that Sluice ignores (Atlantis keys without an equivalent). */
      warnings?: ConfigIssue[];
    }
  | { ok: false; file: string; issues: ConfigIssue[] };

/**
 * Lists the checkout's files and reads its `sluice.yaml` (or `atlantis.yaml`), if any; the one place a
 * job reads repo config. With the repository's `rules`, keys outside `allowed_overrides`, custom
 * workflows that are not allowed and unknown workflows are refused with their position.
 */
export async function loadRepoConfig(
  checkout: Pick<Checkout, 'dir' | 'listFiles'>,
  rules?: RepoRules,
): Promise<LoadedRepoConfig> {
  const repoFiles = await checkout.listFiles();
  const read = (path: string) => readCheckoutFile(checkout.dir, path);
  const file = findRepoConfigFile(repoFiles);
  if (!file) return { ok: true, repoFiles, read };
  const text = read(file);
  // Not read: larger than a checkout file may be, or a link out of the repository. Never "empty".
  if (text === undefined) return { ok: false, file, issues: [unreadableConfig(checkout.dir, file)] };
  const parsed = parseRepoConfigFile(text, file, { rules });
  if (!parsed.ok) return { ok: false, file, issues: parsed.issues };
  return { ok: true, config: parsed.config, repoFiles, read, file, warnings: parsed.warnings };
}

function unreadableConfig(dir: string, file: string): ConfigIssue {
  let bytes = 0;
  try {
    bytes = lstatSync(join(dir, file)).size;
  } catch {}
  const message =
    sizeMessage(file, bytes) ??
    `${file} could not be read: it is a link that leads outside the repository, or not a regular file. Commit the config itself.`;
  return { file, line: 1, column: 1, message };
}

/**
 * The apply rules (requirements, lock mode, automerge) for a pull request, read from a checkout of the
 * repository's DEFAULT branch (the commit rulesCommit picks), never from the PR's head nor from the
 * branch it targets: a PR cannot loosen what must hold before it is applied. An invalid config there is
 * ignored (the server's rules apply) and reported in `issues`.
 */
export async function loadApplyRules(
  defaults: Pick<Checkout, 'dir' | 'listFiles'>,
  rules: RepoRules,
): Promise<ApplyRules> {
  const file = findRepoConfigFile(await defaults.listFiles());
  const text = file === undefined ? undefined : readCheckoutFile(defaults.dir, file);
  return resolveApplyRules(rules, file === undefined || text === undefined ? undefined : { file, text });
}
