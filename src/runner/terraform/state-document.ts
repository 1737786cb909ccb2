import type { StateIdentity } from '../../store/types.js';

/** The parts of a state document (`tofu state pull`, format version 4) recovery reads. */
interface StateDocument {
  serial?: number;
  lineage?: string;
  resources?: Array<{
    module?: string;
    mode?: string;
    type?: string;
    name?: string;
    instances?: Array<{ index_key?: string | number; status?: string; attributes?: Record<string, unknown> }>;
  }>;
}

/** What `tofu show -json <plan>` says a plan changes (the parts compared here). */
interface PlanDocument {
  resource_changes?: Array<{
    address?: string;
    module_address?: string;
    mode?: string;
    type?: string;
    name?: string;
    index?: string | number;
    change?: { actions?: string[]; after?: unknown; after_unknown?: unknown };
  }>;
}

export function parseState(text: string): StateDocument | undefined {
  if (!text.trim()) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' ? (parsed as StateDocument) : undefined;
  } catch {
    return undefined;
  }
}

/** The state's identity; null when there is no state yet (no document, or the empty one with no lineage). */
export function stateIdentity(state: StateDocument | undefined): StateIdentity | null {
  if (!state?.lineage || typeof state.serial !== 'number') return null;
  return { lineage: state.lineage, serial: state.serial };
}

export function sameIdentity(a: StateIdentity | null, b: StateIdentity | null): boolean {
  return a === null || b === null ? a === b : a.lineage === b.lineage && a.serial === b.serial;
}

export function describeIdentity(identity: StateIdentity | null): string {
  return identity ? `serial ${identity.serial} of lineage \`${identity.lineage}\`` : 'no state';
}

/**
 * Whether the state holds exactly what the saved plan's changes produce: every created or updated
 * resource is there, not tainted, with each attribute the plan knew in advance as planned; every
 * destroyed one is gone. Returns the differences (by address), empty when it matches.
 */
export function differencesFromPlan(planJson: string, state: StateDocument | undefined): string[] {
  let plan: PlanDocument;
  try {
    plan = JSON.parse(planJson) as PlanDocument;
  } catch {
    return ['the saved plan could not be read'];
  }
  const differences: string[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const actions = rc.change?.actions ?? [];
    if (actions.every((a) => a === 'no-op' || a === 'read')) continue;
    const address = rc.address ?? `${rc.type}.${rc.name}`;
    const instance = findInstance(state, rc);
    if (actions.length === 1 && actions[0] === 'delete') {
      if (instance) differences.push(`\`${address}\` should be destroyed but is still in the state`);
      continue;
    }
    if (!instance) {
      differences.push(`\`${address}\` should exist but is not in the state`);
      continue;
    }
    if (instance.status === 'tainted') {
      differences.push(`\`${address}\` is tainted (its apply did not complete)`);
      continue;
    }
    const after = rc.change?.after;
    if (!after || typeof after !== 'object') continue;
    const unknown = (rc.change?.after_unknown ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(after as Record<string, unknown>)) {
      if (unknown[key] !== undefined && unknown[key] !== false) continue;
      if (!deepEqual(value, unwrapDynamic(instance.attributes?.[key]))) {
        differences.push(`\`${address}\`: \`${key}\` is not the planned value`);
        break;
      }
    }
  }
  return differences;
}

function findInstance(
  state: StateDocument | undefined,
  rc: NonNullable<PlanDocument['resource_changes']>[number],
) {
  for (const resource of state?.resources ?? []) {
    if ((resource.module ?? '') !== (rc.module_address ?? '')) continue;
    if ((resource.mode ?? 'managed') !== (rc.mode ?? 'managed')) continue;
    if (resource.type !== rc.type || resource.name !== rc.name) continue;
    return (resource.instances ?? []).find((i) => (i.index_key ?? null) === (rc.index ?? null));
  }
  return undefined;
}

/** The state keeps an attribute of type `any` (terraform_data's `input`) as `{ value, type }`; a plan shows the value. */
function unwrapDynamic(value: unknown): unknown {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 2 && keys.includes('value') && keys.includes('type'))
      return (value as { value: unknown }).value;
  }
  return value;
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  // The state writes an unset attribute as null; a plan may leave it out.
  if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (!deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])) return false;
  }
  return true;
}
