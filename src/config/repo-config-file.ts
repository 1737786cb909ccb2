import { ATLANTIS_CONFIG_FILE, parseAtlantisConfig } from './atlantis-config.js';
import {
  type ParseRepoConfigOptions,
  parseRepoConfig,
  REPO_CONFIG_FILES,
  type RepoConfigResult,
} from './repo-config.js';

/**
 * The repo config files Sluice reads, in order; the first present wins. `atlantis.yaml` is read only
 * when there is no `sluice.yaml`, with Atlantis's meaning.
 */
export const ALL_REPO_CONFIG_FILES: readonly string[] = [...REPO_CONFIG_FILES, ATLANTIS_CONFIG_FILE];

/** The config file of a repository, given its file list (repo-relative paths). */
export function findRepoConfigFile(repoFiles: readonly string[]): string | undefined {
  return ALL_REPO_CONFIG_FILES.find((f) => repoFiles.includes(f));
}

/** Parses a repo config by its file name: `atlantis.yaml` as Atlantis, anything else as `sluice.yaml`. */
export function parseRepoConfigFile(
  text: string,
  file: string,
  options: ParseRepoConfigOptions = {},
): RepoConfigResult {
  const name = file.split('/').at(-1) ?? file;
  return name === ATLANTIS_CONFIG_FILE
    ? parseAtlantisConfig(text, file, options)
    : parseRepoConfig(text, file, options);
}
