import { z } from 'zod';
import { AtlantisConfigSchema } from './atlantis-config.js';
import { RepoConfigSchema } from './repo-config.js';
import { ServerConfigSchema } from './server-config.js';

/** Where the generated schemas live, relative to the repository root; examples point at these. */
export const JSON_SCHEMA_FILES = {
  'schemas/sluice.schema.json': {
    schema: RepoConfigSchema,
    title: 'Sluice repo config (sluice.yaml)',
    description: 'Projects, workflows and their settings for one repository. See docs/repo-config.md.',
  },
  'schemas/server-config.schema.json': {
    schema: ServerConfigSchema,
    title: 'Sluice server config (SLUICE_CONFIG)',
    description:
      'Admin rules per repository: who may plan and apply, requirements, overrides, workflows. See docs/server-config.md.',
  },
  'schemas/atlantis.schema.json': {
    schema: AtlantisConfigSchema,
    title: 'atlantis.yaml (version 3) as Sluice reads it',
    description: 'Atlantis repo config; keys Sluice ignores are accepted. See docs/atlantis.md.',
  },
} as const;

/**
 * The JSON Schemas of the config files, generated from the zod schemas that parse them (so editors and
 * Sluice agree). Cross-field rules (unique names, `depends_on`, workflow stages, regexes) are not
 * expressible there; `sluice config validate` checks them.
 */
export function configJsonSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [file, { schema, title, description }] of Object.entries(JSON_SCHEMA_FILES)) {
    const json = z.toJSONSchema(schema, {
      target: 'draft-2020-12',
      io: 'input',
      unrepresentable: 'any',
    }) as Record<string, unknown>;
    const { $schema, ...rest } = json;
    const ordered = { $schema, title, description, ...rest };
    out[file] = `${JSON.stringify(ordered, null, 2)}\n`;
  }
  return out;
}
