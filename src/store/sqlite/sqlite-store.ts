import { type DbtDeployment, productionOf } from '../../dbt/deployment.js';
import { repoKey } from '../keys.js';
import {
  type ApplyAttempt,
  type ApplyJournal,
  type CommentIds,
  type DbtPlanArtifact,
  type DbtProduction,
  type DbtStore,
  DEPLOYMENTS_KEPT,
  type DeliveryLog,
  type ForkAllowances,
  type HeadMark,
  type HeadTracker,
  type PlanArtifact,
  type PlanStore,
  type PullState,
  type PullStates,
  type Store,
} from '../types.js';
import { type DatabaseSource, type SqliteDatabase, useDatabase } from './open-database.js';

const DAY = 24 * 3600 * 1000;
/** How long rows live, as in the Redis store. */
export const SQLITE_STORE_TTL = {
  delivery: 7 * DAY,
  head: 90 * DAY,
  plan: 30 * DAY,
  pull: 30 * DAY,
  comments: 180 * DAY,
  forks: 90 * DAY,
  apply: 90 * DAY,
};
const PRUNE_EVERY_MS = 3600 * 1000;

interface PlanRow {
  plan_file: Buffer;
  plan_json: string;
  plan_text: string;
  created_at: string;
  tool: string;
  seal: string | null;
}

export type SqliteStoreOptions = DatabaseSource & { clock?: () => number };

/** The Store in the embedded SQLite database: one table per part; plan files as BLOBs. */
export class SqliteStore implements Store {
  readonly #db: SqliteDatabase;
  readonly #owned: boolean;
  readonly #clock: () => number;
  readonly #pruneTimer: NodeJS.Timeout;

  constructor(options: SqliteStoreOptions) {
    const { db, owned } = useDatabase(options, new URL('./schema.sql', import.meta.url));
    this.#db = db;
    this.#owned = owned;
    this.#clock = options.clock ?? Date.now;
    addSealColumn(db);
    this.prune();
    this.#pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS).unref();
  }

  /** Deletes rows older than their TTL. Reads ignore them anyway; this only keeps the file small. */
  prune(): void {
    const now = this.#clock();
    const ttl = SQLITE_STORE_TTL;
    this.#db.prepare('DELETE FROM deliveries WHERE claimed_at < ?').run(now - ttl.delivery);
    this.#db.prepare('DELETE FROM delivery_claims WHERE expires_at < ?').run(now);
    this.#db.prepare('DELETE FROM heads WHERE stored_at < ?').run(now - ttl.head);
    this.#db.prepare('DELETE FROM plans WHERE stored_at < ?').run(now - ttl.plan);
    this.#db.prepare('DELETE FROM dbt_plans WHERE stored_at < ?').run(now - ttl.plan);
    this.#db.prepare('DELETE FROM pull_states WHERE stored_at < ?').run(now - ttl.pull);
    this.#db.prepare('DELETE FROM comment_ids WHERE stored_at < ?').run(now - ttl.comments);
    this.#db.prepare('DELETE FROM fork_allowances WHERE stored_at < ?').run(now - ttl.forks);
    this.#db.prepare('DELETE FROM apply_attempts WHERE stored_at < ?').run(now - ttl.apply);
  }

  readonly deliveries: DeliveryLog = {
    claim: async (forge, id) => {
      const now = this.#clock();
      // A claim older than the TTL counts as gone, like an expired Redis key.
      const { changes } = this.#db
        .prepare(
          `INSERT INTO deliveries (forge, delivery_id, claimed_at) VALUES (?, ?, ?)
           ON CONFLICT (forge, delivery_id) DO UPDATE SET claimed_at = excluded.claimed_at
           WHERE deliveries.claimed_at < ?`,
        )
        .run(forge, id, now, now - SQLITE_STORE_TTL.delivery);
      return changes === 1;
    },
    release: async (forge, id) => {
      this.#db.prepare('DELETE FROM deliveries WHERE forge = ? AND delivery_id = ?').run(forge, id);
      this.#db.prepare('DELETE FROM delivery_claims WHERE forge = ? AND key = ?').run(forge, id);
    },
    claimEach: async (forge, keys, windowMs) => {
      const now = this.#clock();
      const live = this.#db.prepare(
        'SELECT 1 FROM delivery_claims WHERE forge = ? AND key = ? AND expires_at > ?',
      );
      const put = this.#db.prepare(
        `INSERT INTO delivery_claims (forge, key, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (forge, key) DO UPDATE SET expires_at = excluded.expires_at`,
      );
      // IMMEDIATE: the write lock is taken before the check, so two processes cannot both claim.
      const claim = this.#db.transaction(() => {
        if (keys.some((key) => live.get(forge, key, now) !== undefined)) return false;
        for (const key of keys) put.run(forge, key, now + windowMs);
        return true;
      });
      return claim.immediate();
    },
  };

  readonly heads: HeadTracker = {
    advance: async (prKey, mark: HeadMark) => {
      const at = Date.parse(mark.updatedAt);
      if (Number.isNaN(at)) throw new Error(`not a timestamp: ${mark.updatedAt}`);
      const now = this.#clock();
      const { changes } = this.#db
        .prepare(
          `INSERT INTO heads (pr_key, sha, updated_at, at, stored_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (pr_key) DO UPDATE SET
             sha = excluded.sha, updated_at = excluded.updated_at, at = excluded.at, stored_at = excluded.stored_at
           WHERE heads.at <= excluded.at OR heads.stored_at < ?`,
        )
        .run(prKey, mark.sha, mark.updatedAt, at, now, now - SQLITE_STORE_TTL.head);
      return changes === 1;
    },
    latest: async (prKey) => {
      const row = this.#db
        .prepare<[string, number], HeadMark>(
          'SELECT sha, updated_at AS updatedAt FROM heads WHERE pr_key = ? AND stored_at >= ?',
        )
        .get(prKey, this.#clock() - SQLITE_STORE_TTL.head);
      return row ? { sha: row.sha, updatedAt: row.updatedAt } : undefined;
    },
  };

  readonly plans: PlanStore = {
    put: async (key, artifact) => {
      this.#db
        .prepare(
          `INSERT OR REPLACE INTO plans (key, plan_file, plan_json, plan_text, created_at, tool, seal, stored_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          key,
          artifact.planFile,
          artifact.planJson,
          artifact.planText,
          artifact.createdAt,
          JSON.stringify(artifact.tool),
          artifact.seal ?? null,
          this.#clock(),
        );
    },
    get: async (key): Promise<PlanArtifact | undefined> => {
      const row = this.#db
        .prepare<[string, number], PlanRow>(
          `SELECT plan_file, plan_json, plan_text, created_at, tool, seal FROM plans
           WHERE key = ? AND stored_at >= ?`,
        )
        .get(key, this.#clock() - SQLITE_STORE_TTL.plan);
      if (!row) return undefined;
      return {
        planFile: row.plan_file,
        planJson: row.plan_json,
        planText: row.plan_text,
        createdAt: row.created_at,
        tool: JSON.parse(row.tool),
        ...(row.seal ? { seal: row.seal } : {}),
      };
    },
  };

  readonly pulls: PullStates = {
    get: async (prKey) => {
      const row = this.#db
        .prepare<[string, number], { state: string }>(
          'SELECT state FROM pull_states WHERE pr_key = ? AND stored_at >= ?',
        )
        .get(prKey, this.#clock() - SQLITE_STORE_TTL.pull);
      return row ? (JSON.parse(row.state) as PullState) : undefined;
    },
    put: async (prKey, state) => {
      this.#db
        .prepare(
          'INSERT OR REPLACE INTO pull_states (pr_key, repo_key, state, stored_at) VALUES (?, ?, ?, ?)',
        )
        .run(prKey, repoKey(state.pr.repo), JSON.stringify(state), this.#clock());
    },
    delete: async (prKey) => {
      this.#db.prepare('DELETE FROM pull_states WHERE pr_key = ?').run(prKey);
    },
    listByRepo: async (repo) =>
      this.#db
        .prepare<[string, number], { state: string }>(
          'SELECT state FROM pull_states WHERE repo_key = ? AND stored_at >= ? ORDER BY pr_key',
        )
        .all(repo, this.#clock() - SQLITE_STORE_TTL.pull)
        .map((row) => JSON.parse(row.state) as PullState),
  };

  readonly applies: ApplyJournal = {
    begin: async (attempt) =>
      this.#db
        .prepare(
          'INSERT INTO apply_attempts (claim, phase, attempt, stored_at) VALUES (?, ?, ?, ?) ON CONFLICT (claim) DO NOTHING',
        )
        .run(attempt.claim, attempt.phase, JSON.stringify(attempt), this.#clock()).changes === 1,
    get: async (claim) => {
      const row = this.#db
        .prepare<[string], { attempt: string }>('SELECT attempt FROM apply_attempts WHERE claim = ?')
        .get(claim);
      return row ? (JSON.parse(row.attempt) as ApplyAttempt) : undefined;
    },
    update: async (attempt) => this.#replaceAttempt(attempt.attemptId, attempt),
    takeOver: async (fromAttemptId, next) => this.#replaceAttempt(fromAttemptId, next),
    release: async (claim) => {
      this.#db.prepare('DELETE FROM apply_attempts WHERE claim = ?').run(claim);
    },
    unfinished: async (limit) =>
      this.#db
        .prepare<[number], { attempt: string }>(
          "SELECT attempt FROM apply_attempts WHERE phase != 'finished' ORDER BY stored_at LIMIT ?",
        )
        .all(limit)
        .map((row) => JSON.parse(row.attempt) as ApplyAttempt),
  };

  #replaceAttempt(current: string, attempt: ApplyAttempt): boolean {
    return (
      this.#db
        .prepare(
          "UPDATE apply_attempts SET phase = ?, attempt = ?, stored_at = ? WHERE claim = ? AND json_extract(attempt, '$.attemptId') = ?",
        )
        .run(attempt.phase, JSON.stringify(attempt), this.#clock(), attempt.claim, current).changes === 1
    );
  }

  readonly dbt: DbtStore = {
    putPlan: async (key, artifact) => {
      this.#db
        .prepare('INSERT OR REPLACE INTO dbt_plans (key, artifact, stored_at) VALUES (?, ?, ?)')
        .run(key, JSON.stringify(artifact), this.#clock());
    },
    getPlan: async (key) => {
      const row = this.#db
        .prepare<[string, number], { artifact: string }>(
          'SELECT artifact FROM dbt_plans WHERE key = ? AND stored_at >= ?',
        )
        .get(key, this.#clock() - SQLITE_STORE_TTL.plan);
      return row ? (JSON.parse(row.artifact) as DbtPlanArtifact) : undefined;
    },
    putProduction: async (key, production) => {
      this.#db
        .prepare('INSERT OR REPLACE INTO dbt_production (key, production) VALUES (?, ?)')
        .run(key, JSON.stringify(production));
    },
    getProduction: async (key) => {
      const row = this.#db
        .prepare<[string], { production: string }>('SELECT production FROM dbt_production WHERE key = ?')
        .get(key);
      return row ? (JSON.parse(row.production) as DbtProduction) : undefined;
    },
    recordDeployment: async (key, repoKey, deployment) => {
      this.#db.transaction(() => {
        this.#db
          .prepare('INSERT INTO dbt_deployments (key, repo_key, deployment) VALUES (?, ?, ?)')
          .run(key, repoKey, JSON.stringify(deployment));
        this.#db
          .prepare(
            'DELETE FROM dbt_deployments WHERE key = ? AND seq NOT IN (SELECT seq FROM dbt_deployments WHERE key = ? ORDER BY seq DESC LIMIT ?)',
          )
          .run(key, key, DEPLOYMENTS_KEPT);
        this.#db
          .prepare('INSERT OR REPLACE INTO dbt_production (key, production) VALUES (?, ?)')
          .run(key, JSON.stringify(productionOf(deployment)));
      })();
    },
    deployments: async (key) =>
      this.#db
        .prepare<[string], { deployment: string }>(
          'SELECT deployment FROM dbt_deployments WHERE key = ? ORDER BY seq DESC',
        )
        .all(key)
        .map((row) => JSON.parse(row.deployment) as DbtDeployment),
    latestDeployments: async (repoKey) =>
      this.#db
        .prepare<[string], { deployment: string }>(
          'SELECT deployment FROM dbt_deployments d WHERE repo_key = ? AND seq = (SELECT MAX(seq) FROM dbt_deployments WHERE key = d.key) ORDER BY key',
        )
        .all(repoKey)
        .map((row) => JSON.parse(row.deployment) as DbtDeployment),
  };

  readonly forks: ForkAllowances = {
    allow: async (prKey, allowance) => {
      this.#db
        .prepare(
          'INSERT OR REPLACE INTO fork_allowances (pr_key, head_sha, allowed_by, allowed_at, stored_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(prKey, allowance.headSha, allowance.by, allowance.at, this.#clock());
    },
    get: async (prKey, headSha) => {
      const row = this.#db
        .prepare<[string, string, number], { allowed_by: string; allowed_at: string }>(
          'SELECT allowed_by, allowed_at FROM fork_allowances WHERE pr_key = ? AND head_sha = ? AND stored_at >= ?',
        )
        .get(prKey, headSha, this.#clock() - SQLITE_STORE_TTL.forks);
      return row ? { headSha, by: row.allowed_by, at: row.allowed_at } : undefined;
    },
  };

  readonly comments: CommentIds = {
    get: async (prKey, kind) => {
      const row = this.#db
        .prepare<[string, string, number], { ids: string }>(
          'SELECT ids FROM comment_ids WHERE pr_key = ? AND kind = ? AND stored_at >= ?',
        )
        .get(prKey, kind, this.#clock() - SQLITE_STORE_TTL.comments);
      return row ? (JSON.parse(row.ids) as string[]) : [];
    },
    set: async (prKey, kind, ids) => {
      this.#db
        .prepare('INSERT OR REPLACE INTO comment_ids (pr_key, kind, ids, stored_at) VALUES (?, ?, ?, ?)')
        .run(prKey, kind, JSON.stringify(ids), this.#clock());
    },
  };

  async ping(): Promise<void> {
    this.#db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    if (this.#owned) this.#db.close();
  }
}

/** Databases made before plans were sealed (src/store/sealed-store.ts) get the column; their rows stay unsealed. */
function addSealColumn(db: SqliteDatabase): void {
  const columns = db.prepare<[], { name: string }>('PRAGMA table_info(plans)').all();
  if (columns.some((c) => c.name === 'seal')) return;
  try {
    db.exec('ALTER TABLE plans ADD COLUMN seal TEXT');
  } catch (error) {
    // Another process sharing the file added it first.
    if (!/duplicate column/i.test((error as Error).message)) throw error;
  }
}
