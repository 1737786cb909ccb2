import { isMap, parseDocument } from 'yaml';

export interface PrProfileInput {
  /** The project's (or configured) `profiles.yml`. */
  profilesYml: string;
  /** The project's `dbt_project.yml`, for its `profile` name. */
  projectYml: string;
  /** The schema the plan builds into, e.g. `pr_42`; absent: the output's own (an apply). */
  schema?: string;
  /** The output to use; default the profile's own `target`. */
  target?: string;
}

export type PrProfile =
  | { ok: true; profilesYml: string; profile: string; target: string }
  | { ok: false; message: string };

/** The schema a pull request's zero-row build goes to: `pr_<number>`. */
export function prSchemaName(prNumber: number, prefix = 'pr_'): string {
  return `${prefix}${prNumber}`;
}

/**
 * The user's profiles.yml with the target output's `schema` replaced by the PR's, so the plan's build
 * never writes where production lives. Everything else (credentials as `env_var()`, threads, path)
 * stays as written; dbt renders it. Pure: the runner writes the result to the plan's own directory.
 */
export function prProfile(input: PrProfileInput): PrProfile {
  if (input.schema !== undefined && !/^[A-Za-z_][A-Za-z0-9_]*$/.test(input.schema)) {
    return { ok: false, message: `\`${input.schema}\` is not a plain schema name.` };
  }
  const project = parseDocument(input.projectYml);
  if (project.errors.length > 0) {
    return { ok: false, message: `dbt_project.yml is not valid YAML: ${project.errors[0]?.message ?? ''}` };
  }
  const profile = project.get('profile');
  if (typeof profile !== 'string' || profile === '') {
    return {
      ok: false,
      message: 'dbt_project.yml names no `profile`; Sluice needs one to build into the PR schema.',
    };
  }
  const profiles = parseDocument(input.profilesYml);
  if (profiles.errors.length > 0) {
    return { ok: false, message: `profiles.yml is not valid YAML: ${profiles.errors[0]?.message ?? ''}` };
  }
  if (!isMap(profiles.get(profile))) {
    return { ok: false, message: `profiles.yml has no profile \`${profile}\` (named in dbt_project.yml).` };
  }
  const declared = profiles.getIn([profile, 'target']);
  const target = input.target ?? (typeof declared === 'string' ? declared : 'default');
  if (target.includes('{{')) {
    return {
      ok: false,
      message: `The target of profile \`${profile}\` is a template (\`${target}\`); name the target in the project's config.`,
    };
  }
  if (!isMap(profiles.getIn([profile, 'outputs', target]))) {
    return { ok: false, message: `profiles.yml has no output \`${target}\` under profile \`${profile}\`.` };
  }
  if (input.schema !== undefined) profiles.setIn([profile, 'outputs', target, 'schema'], input.schema);
  return { ok: true, profilesYml: profiles.toString(), profile, target };
}
