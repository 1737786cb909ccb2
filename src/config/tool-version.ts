import semver from 'semver';

/**
 * A project's Terraform/OpenTofu version: an exact version (`1.11.6`, `v1.11.6`, `= 1.11.6`) or a
 * constraint in Terraform's own syntax (`~> 1.11`, `>= 1.10, < 1.12`, `!= 1.11.2`), as Atlantis's
 * `terraform_version` takes it. Each comma-separated condition is turned into a `semver` range and a
 * version must satisfy every one; `~>` lets only the rightmost given part grow, as in Terraform
 * (`~> 1.11` is `>= 1.11.0, < 2.0.0`; `~> 1.11.2` is `>= 1.11.2, < 1.12.0`).
 */
export interface ToolVersion {
  /** As written, trimmed: what messages quote. */
  text: string;
  /** Set when the text names one version: that version. */
  exact?: string;
  /** One `semver` range per condition, all of which must hold. */
  ranges: string[];
}

const CONDITION = /^(=|!=|>=|<=|>|<|~>)?\s*v?(\d+(?:\.\d+){0,2})(-[0-9A-Za-z.-]+)?$/;

/** The parsed version or constraint; undefined when `text` is neither. */
export function parseToolVersion(text: string): ToolVersion | undefined {
  const trimmed = text.trim();
  const conditions = trimmed.split(',').map((c) => c.trim());
  const ranges: string[] = [];
  let exact: string | undefined;
  for (const condition of conditions) {
    const match = CONDITION.exec(condition);
    if (!match) return undefined;
    const [, operator = '=', numbers = '', pre = ''] = match;
    const parts = numbers.split('.').map(Number);
    const full = semver.valid(`${[...parts, 0, 0].slice(0, 3).join('.')}${pre}`);
    if (!full) return undefined;
    if (operator === '=') {
      // Terraform: an exact version cannot be combined with other conditions. All three parts: `1.11`
      // might mean 1.11.0 (as in Terraform) or any 1.11.x; `~> 1.11.0` says the latter.
      if (conditions.length > 1 || parts.length < 3) return undefined;
      exact = full;
      ranges.push(full);
    } else if (operator === '!=') ranges.push(`<${full} || >${full}`);
    else if (operator === '~>') ranges.push(pessimistic(parts, full));
    else ranges.push(`${operator}${full}`);
  }
  if (ranges.some((r) => semver.validRange(r) === null)) return undefined;
  return { text: trimmed, exact, ranges };
}

/** `~>`: the rightmost part given may grow, the ones left of it stay. */
function pessimistic(parts: number[], full: string): string {
  const [major = 0, minor = 0] = parts;
  if (parts.length === 1) return `>=${full}`;
  if (parts.length === 2) return `>=${full} <${major + 1}.0.0-0`;
  return `>=${full} <${major}.${minor + 1}.0-0`;
}

/** Whether an installed tool's version (as it reports it, e.g. `1.11.7`) meets the project's. */
export function satisfiesToolVersion(version: string, wanted: ToolVersion): boolean {
  const parsed = semver.valid(semver.clean(version) ?? version);
  if (!parsed) return false;
  if (wanted.exact) return semver.eq(parsed, wanted.exact);
  return wanted.ranges.every((range) => semver.satisfies(parsed, range));
}

/** Which OpenTofu/Terraform a project asks for (sluice.yaml `tool`, atlantis.yaml `terraform_*`). */
export interface ToolRequest {
  /** Absent: the distribution of the server's default tool. */
  distribution?: ToolDistribution;
  /** An exact version or a constraint, as written (parseToolVersion accepts it). Absent: any. */
  version?: string;
}

export type ToolDistribution = 'opentofu' | 'terraform';
