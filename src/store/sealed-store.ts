import { SluiceError } from '../errors.js';
import { prKey } from './keys.js';
import { canonicalJson, contentHash, type Sealer, type SealPart } from './seal.js';
import type { DbtPlanArtifact, PlanArtifact, PullState, Store } from './types.js';

/** What kind of stored record failed its seal, and where it is stored. */
export interface TamperedRecord {
  kind: 'plan' | 'dbt-plan' | 'pull';
  key: string;
  /** `unsealed`: no seal at all (written before Sluice sealed plans, or by someone else); else a wrong one. */
  reason: 'unsealed' | 'mismatch';
}

/** Thrown when a record Sluice would act on fails its seal: tampering, never "missing". */
export class TamperedRecordError extends SluiceError {
  readonly record: TamperedRecord;

  constructor(record: TamperedRecord) {
    super(
      'STORED_RECORD_TAMPERED',
      `the stored ${record.kind} record ${record.key} failed its integrity check (${record.reason === 'unsealed' ? 'it has no seal' : 'its seal does not match'})`,
    );
    this.name = 'TamperedRecordError';
    this.record = record;
  }
}

export function isTampered(error: unknown): error is TamperedRecordError {
  return error instanceof TamperedRecordError;
}

const planParts = (a: PlanArtifact): SealPart[] => [
  a.planFile,
  a.planJson,
  a.planText,
  a.createdAt,
  a.tool.name,
  a.tool.version,
];
const dbtPlanParts = (a: DbtPlanArtifact): SealPart[] => [a.resultJson, a.manifest, a.createdAt];
const pullParts = ({ seal: _seal, ...state }: PullState): SealPart[] => [canonicalJson(state)];

/**
 * The store, with every plan, dbt plan and PR plan state sealed when written and checked when read
 * (src/store/seal.ts), whichever backend keeps them. A record that fails is never returned: reading it
 * throws TamperedRecordError, except in `pulls.listByRepo`, which leaves it out and reports it through
 * `onTampered` (one bad record must not stop other PRs' work). Other parts pass through.
 */
export function sealedStore(
  inner: Store,
  sealer: Sealer,
  onTampered: (record: TamperedRecord) => void,
): Store {
  const open = <T extends { seal?: string }>(
    kind: TamperedRecord['kind'],
    key: string,
    record: T | undefined,
    parts: (record: T) => SealPart[],
  ): T | undefined => {
    if (!record) return undefined;
    if (sealer.verify(kind, key, parts(record), record.seal)) return record;
    throw new TamperedRecordError({ kind, key, reason: record.seal ? 'mismatch' : 'unsealed' });
  };
  const seal = <T extends { seal?: string }>(
    kind: TamperedRecord['kind'],
    key: string,
    record: T,
    parts: (record: T) => SealPart[],
  ): T => {
    const { seal: _old, ...bare } = record;
    return { ...bare, seal: sealer.seal(kind, key, parts(bare as T)) } as T;
  };
  return {
    deliveries: inner.deliveries,
    heads: inner.heads,
    forks: inner.forks,
    applies: inner.applies,
    comments: inner.comments,
    plans: {
      put: (key, artifact) => inner.plans.put(key, seal('plan', key, artifact, planParts)),
      get: async (key) => open('plan', key, await inner.plans.get(key), planParts),
    },
    dbt: {
      ...inner.dbt,
      putPlan: (key, artifact) => inner.dbt.putPlan(key, seal('dbt-plan', key, artifact, dbtPlanParts)),
      getPlan: async (key) => open('dbt-plan', key, await inner.dbt.getPlan(key), dbtPlanParts),
    },
    pulls: {
      put: (key, state) => inner.pulls.put(key, seal('pull', key, state, pullParts)),
      get: async (key) => open('pull', key, await inner.pulls.get(key), pullParts),
      delete: (key) => inner.pulls.delete(key),
      // Listed states are checked against the key they are stored under, which the state itself names.
      listByRepo: async (repo) =>
        (await inner.pulls.listByRepo(repo)).filter((state) => {
          const key = prKey(state.pr);
          if (sealer.verify('pull', key, pullParts(state), state.seal)) return true;
          onTampered({ kind: 'pull', key, reason: state.seal ? 'mismatch' : 'unsealed' });
          return false;
        }),
    },
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}

/** The SHA-256 of a plan's whole stored content: what a PR's plan state names as the plan to apply. */
export const planArtifactHash = (artifact: PlanArtifact): string => contentHash(planParts(artifact));
export const dbtPlanArtifactHash = (artifact: DbtPlanArtifact): string => contentHash(dbtPlanParts(artifact));
