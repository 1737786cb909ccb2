import { z } from 'zod';
import { normalizeRepoPath } from '../projects/paths.js';
import { said } from './config-text.js';
import { parseToolVersion } from './tool-version.js';

/** Fields a project has in both `sluice.yaml` and `atlantis.yaml`, with the same meaning and messages. */

const WORKSPACE_FORBIDDEN = /[/\\\s]|\.\./;

export const RequirementsSchema = said(z.array(z.enum(['approved', 'mergeable', 'undiverged'])), {
  expected: 'a list of `approved`, `mergeable`, `undiverged`',
});

/** A folder inside the repo; `refusePatterns` for formats whose users may expect globs to expand. */
export function dirField(options: { refusePatterns?: boolean } = {}) {
  return said(
    z
      .string()
      .min(1)
      .superRefine((dir, ctx) => {
        // An empty value is reported once, by `min(1)`.
        if (dir === '') return;
        if (options.refusePatterns && /[*?[]/.test(dir)) {
          ctx.addIssue({
            code: 'custom',
            message: `Sluice does not expand patterns in \`dir\` (\`${dir}\`); list each project's folder.`,
          });
        } else if (normalizeRepoPath(dir) === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `\`dir\` must be a folder inside the repo, relative to its root; \`${dir}\` is not.`,
          });
        }
      }),
    {
      expected: 'a folder path relative to the repo root',
      missing:
        'This project has no `dir`; set it to the folder with its .tf files, relative to the repo root.',
    },
  );
}

export const WorkspaceField = said(
  z
    .string()
    .min(1)
    .superRefine((workspace, ctx) => {
      if (WORKSPACE_FORBIDDEN.test(workspace)) {
        ctx.addIssue({
          code: 'custom',
          message: `Workspace \`${workspace}\` is not a valid name: it may not contain \`/\`, \`\\\`, \`..\` or spaces.`,
        });
      }
    }),
  { expected: 'a workspace name' },
);

export const DependsOnField = said(z.array(z.string().min(1)), { expected: 'a list of project names' });

/** OpenTofu or Terraform, in Atlantis's words (`terraform_distribution`). */
export const ToolDistributionField = said(z.enum(['opentofu', 'terraform']), {
  expected: 'one of `opentofu`, `terraform`',
});

/** An exact version or a constraint (config/tool-version.ts); YAML reads `1.11` as a number, hence quotes. */
export const ToolVersionField = said(
  z.string().superRefine((version, ctx) => {
    if (parseToolVersion(version) === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `\`${version}\` is neither a version nor a version constraint: write an exact version (\`1.11.6\`) or a constraint (\`~> 1.11.0\` for any 1.11.x, \`>= 1.10, < 1.12\`).`,
      });
    }
  }),
  { expected: 'a version or a version constraint in quotes (`"1.11.6"`, `"~> 1.11.0"`)' },
);

/** sluice.yaml's `tool`: which OpenTofu/Terraform a project runs (atlantis.yaml: `terraform_*`). */
export const ToolField = said(
  z.strictObject({ distribution: ToolDistributionField.optional(), version: ToolVersionField.optional() }),
  { expected: 'a map with `distribution` and/or `version`', where: 'in `tool`' },
);
