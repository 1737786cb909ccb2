-- Tables of the embedded store (src/store/sqlite/sqlite-store.ts). Times are epoch milliseconds;
-- stored_at ages rows out like the Redis store's TTLs.
CREATE TABLE IF NOT EXISTS deliveries (
  forge TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  claimed_at INTEGER NOT NULL,
  PRIMARY KEY (forge, delivery_id)
) STRICT, WITHOUT ROWID;

-- Webhook deliveries by id and by a hash of their signed body (DeliveryLog.claimEach), until expires_at.
CREATE TABLE IF NOT EXISTS delivery_claims (
  forge TEXT NOT NULL,
  key TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  PRIMARY KEY (forge, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS heads (
  pr_key TEXT PRIMARY KEY,
  sha TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  -- updated_at as a number: forges write timestamps with and without fractions of a second
  at INTEGER NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS plans (
  key TEXT PRIMARY KEY,
  plan_file BLOB NOT NULL,
  plan_json TEXT NOT NULL,
  plan_text TEXT NOT NULL,
  created_at TEXT NOT NULL,
  tool TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  -- src/store/sealed-store.ts; added by SqliteStore to databases made before it
  seal TEXT
) STRICT;

-- A dbt plan's result and manifest (DbtPlanArtifact as JSON), by keys.ts planKey.
CREATE TABLE IF NOT EXISTS dbt_plans (
  key TEXT PRIMARY KEY,
  artifact TEXT NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

-- Production's dbt state per repo + project (DbtProduction as JSON); kept until replaced.
CREATE TABLE IF NOT EXISTS dbt_production (
  key TEXT PRIMARY KEY,
  production TEXT NOT NULL
) STRICT;

-- Each dbt project's deployments (DbtDeployment as JSON), the latest DEPLOYMENTS_KEPT per project.
CREATE TABLE IF NOT EXISTS dbt_deployments (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  repo_key TEXT NOT NULL,
  deployment TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS dbt_deployments_key ON dbt_deployments (key, seq);
CREATE INDEX IF NOT EXISTS dbt_deployments_repo ON dbt_deployments (repo_key);

CREATE TABLE IF NOT EXISTS pull_states (
  pr_key TEXT PRIMARY KEY,
  repo_key TEXT NOT NULL,
  state TEXT NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS pull_states_by_repo ON pull_states (repo_key);

-- A maintainer's allowance to plan one head commit of a fork's pull request (ForkAllowance).
CREATE TABLE IF NOT EXISTS fork_allowances (
  pr_key TEXT NOT NULL,
  head_sha TEXT NOT NULL,
  allowed_by TEXT NOT NULL,
  allowed_at TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (pr_key, head_sha)
) STRICT;

CREATE TABLE IF NOT EXISTS comment_ids (
  pr_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  ids TEXT NOT NULL,
  stored_at INTEGER NOT NULL,
  PRIMARY KEY (pr_key, kind)
) STRICT;

-- One record per saved plan an apply started (src/store/types.ts ApplyAttempt).
CREATE TABLE IF NOT EXISTS apply_attempts (
  claim TEXT PRIMARY KEY,
  phase TEXT NOT NULL,
  attempt TEXT NOT NULL,
  stored_at INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS apply_attempts_open ON apply_attempts (phase, stored_at);
