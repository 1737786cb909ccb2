import type { Project } from '../../src/projects/types.js';
import type { PlanSummary, ProjectPlanResult, ResourceChange } from '../../src/runner/types.js';

export const HEAD_SHA = '3f9c2e1ab47d5e6f8091a2b3c4d5e6f708192a3b';
export const TOOL = { name: 'tofu', version: '1.8.5' } as const;

export function project(dir: string, extra: Partial<Project> = {}): Project {
  return { name: dir, dir, workspace: 'default', type: 'terraform', reason: 'changed', ...extra };
}

const LEGEND = `OpenTofu used the selected providers to generate the following execution
plan. Resource actions are indicated with the following symbols:
  + create
  ~ update in-place
-/+ destroy and then create replacement

OpenTofu will perform the following actions:
`;

export const PROD_PLAN = `${LEGEND}
  # terraform_data.prod_0 will be updated in-place
  ~ resource "terraform_data" "prod_0" {
        id     = "6c1e4a2e-3b9f-2f0c-9a51-7d1e0c2b9f43"
      ~ input  = "prod-0" -> "prod-0-v2"
      ~ output = "prod-0" -> (known after apply)
    }

  # terraform_data.prod_2 will be created
  + resource "terraform_data" "prod_2" {
      + id     = (known after apply)
      + input  = "prod-2"
      + output = (known after apply)
    }

  # module.bucket.terraform_data.policy will be created
  + resource "terraform_data" "policy" {
      + id     = (known after apply)
      + input  = "policy-prod"
      + output = (known after apply)
    }

Plan: 2 to add, 1 to change, 0 to destroy.

Changes to Outputs:
  ~ name = "prod" -> "prod-v2"
`;

export const PROD_SUMMARY: PlanSummary = {
  add: 2,
  change: 1,
  destroy: 0,
  replace: 0,
  outputChanges: ['name'],
  resources: [
    { address: 'terraform_data.prod_0', action: 'update' },
    { address: 'terraform_data.prod_2', action: 'create' },
    { address: 'module.bucket.terraform_data.policy', action: 'create' },
  ],
  noChanges: false,
};

export const NETWORK_PLAN = `${LEGEND}
  # terraform_data.network_0 must be replaced
-/+ resource "terraform_data" "network_0" {
      ~ id               = "0b7f3d9c-51e2-6a4d-8c3f-2e9a1b7c5d60" -> (known after apply)
      ~ input            = "network-0" -> "network-0-b"
      ~ output           = "network-0" -> (known after apply)
      ~ triggers_replace = "a" -> "b" # forces replacement
    }

  # terraform_data.network_1 will be created
  + resource "terraform_data" "network_1" {
      + id     = (known after apply)
      + input  = "network-1"
      + output = (known after apply)
    }

Plan: 2 to add, 0 to change, 1 to destroy.
`;

export const NETWORK_SUMMARY: PlanSummary = {
  add: 2,
  change: 0,
  destroy: 1,
  replace: 1,
  outputChanges: [],
  resources: [
    { address: 'terraform_data.network_0', action: 'replace' },
    { address: 'terraform_data.network_1', action: 'create' },
  ],
  noChanges: false,
};

export const NO_CHANGES_PLAN = `No changes. Your infrastructure matches the configuration.

OpenTofu has compared your real infrastructure against your configuration
and found no differences, so no changes are needed.
`;

export const NO_CHANGES_SUMMARY: PlanSummary = {
  add: 0,
  change: 0,
  destroy: 0,
  replace: 0,
  outputChanges: [],
  resources: [],
  noChanges: true,
};

export const STAGING_ERROR = {
  step: 'plan',
  message: 'Error: Unsupported argument',
  output: `╷
│ Error: Unsupported argument
│ 
│   on main.tf line 7, in resource "terraform_data" "staging_0":
│    7:   inputs = "staging-0"
│ 
│ An argument named "inputs" is not expected here. Did you mean "input"?
╵
`,
};

export function planned(p: Project, planText: string, summary: PlanSummary): ProjectPlanResult {
  return { project: p, status: 'planned', planText, summary, tool: TOOL, durationMs: 4200 };
}

export function failed(p: Project, error: ProjectPlanResult['error']): ProjectPlanResult {
  return { project: p, status: 'failed', error, tool: TOOL, durationMs: 2100 };
}

/** A plan creating `count` resources, each with a block of attributes: about 600 characters apiece. */
export function hugePlan(count: number): { planText: string; summary: PlanSummary } {
  const resources: ResourceChange[] = [];
  const blocks: string[] = [];
  for (let i = 0; i < count; i++) {
    const address = `aws_s3_bucket.logs["tenant-${String(i).padStart(4, '0')}"]`;
    resources.push({ address, action: 'create' });
    blocks.push(`  # ${address} will be created
  + resource "aws_s3_bucket" "logs" {
      + arn                         = (known after apply)
      + bucket                      = "acme-logs-tenant-${String(i).padStart(4, '0')}"
      + bucket_domain_name          = (known after apply)
      + force_destroy               = false
      + id                          = (known after apply)
      + region                      = (known after apply)
      + tags                        = {
          + "team"   = "platform"
          + "tenant" = "tenant-${String(i).padStart(4, '0')}"
        }
    }
`);
  }
  return {
    planText: `${LEGEND}\n${blocks.join('\n')}\nPlan: ${count} to add, 0 to change, 0 to destroy.\n`,
    summary: {
      add: count,
      change: 0,
      destroy: 0,
      replace: 0,
      outputChanges: [],
      resources,
      noChanges: false,
    },
  };
}
