-- Tables of the embedded lock manager (src/locks/sqlite/sqlite-locks.ts).
CREATE TABLE IF NOT EXISTS locks (
  key TEXT PRIMARY KEY,
  pr_key TEXT NOT NULL,
  holder TEXT NOT NULL,
  acquired_at TEXT NOT NULL,
  fence INTEGER NOT NULL
) STRICT;

CREATE INDEX IF NOT EXISTS locks_by_pr ON locks (pr_key);

-- The last fence handed out per key. Never deleted, so fences keep rising across release and acquire.
CREATE TABLE IF NOT EXISTS lock_fences (
  key TEXT PRIMARY KEY,
  fence INTEGER NOT NULL
) STRICT;
