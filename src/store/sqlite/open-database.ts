import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

export type SqliteDatabase = Database.Database;

/** Where an embedded component keeps its tables: a database file it opens (and closes), or a borrowed one. */
export type DatabaseSource = { path: string } | { db: SqliteDatabase };

/** How long a write waits for another process's transaction before failing with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens (creating it and its folder when missing) the embedded database file. WAL lets readers run
 * beside the one writer. synchronous NORMAL: a commit is in the WAL file before it returns, so whatever
 * Sluice acknowledged (a delivery, a lock, a finished job) survives the process being killed; it is not
 * fsynced at every commit, so a power cut or an OS crash can roll back the last moments' commits (the
 * catch-up pass plans what it finds unplanned again). FULL fsynced every commit, on the webhook's path.
 */
export function openDatabase(path: string): SqliteDatabase {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  return db;
}

/** The database of a source, whether this component owns it, and its schema applied. */
export function useDatabase(source: DatabaseSource, schema: URL): { db: SqliteDatabase; owned: boolean } {
  const owned = 'path' in source;
  const db = owned ? openDatabase(source.path) : source.db;
  db.exec(readFileSync(schema, 'utf8'));
  return { db, owned };
}
