-- Tables of the embedded job queue (src/queue/embedded/). Times are epoch milliseconds.
CREATE TABLE IF NOT EXISTS jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  -- jobKey(job): enqueueing the same change again finds this row instead of adding one
  id TEXT NOT NULL UNIQUE,
  -- the job as JSON; parsed again when a worker takes it
  data TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'completed', 'failed')),
  -- attempts spent: failed runs and runs cut short by a crash (not those a graceful shutdown re-queued)
  attempts_made INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_ms INTEGER NOT NULL,
  -- waiting: not before this time (a retry's backoff); later than now counts as delayed
  run_at INTEGER NOT NULL,
  -- active: the worker pool running it, and until when its lease holds; past that the job has stalled
  owner TEXT,
  locked_until INTEGER,
  finished_at INTEGER,
  error TEXT
) STRICT;

CREATE INDEX IF NOT EXISTS jobs_by_state ON jobs (state, run_at, seq);

-- supersede() requests, read by every worker pool on the database (also those of other processes).
CREATE TABLE IF NOT EXISTS job_cancels (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  grp TEXT NOT NULL,
  keep TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
