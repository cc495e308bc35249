/**
 * The desktop's local cache: one better-sqlite3 database in the app's data folder (WAL), with
 * numbered migrations. It keeps what must survive a restart or a lost server: import jobs, connection
 * profiles, metadata already seen, and the index of the size-bounded image store.
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { CACHE_MIGRATIONS, type CacheMigration } from './migrations/index.js';

export type CacheDb = Database.Database;

export function openCacheDb(
  path: string,
  migrations: readonly CacheMigration[] = CACHE_MIGRATIONS,
): CacheDb {
  mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Applies, in one transaction each, every migration newer than the recorded schema version. */
export function migrate(db: CacheDb, migrations: readonly CacheMigration[]): number {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare('SELECT version FROM schema_version').get() as
    { version: number } | undefined;
  let version = row?.version ?? 0;
  if (!row) db.prepare('INSERT INTO schema_version (version) VALUES (0)').run();
  const ordered = [...migrations].sort((a, b) => a.version - b.version);
  for (const migration of ordered) {
    if (migration.version <= version) continue;
    if (migration.version !== version + 1) {
      throw new Error(`Cache migration ${version + 1} is missing (next is ${migration.version})`);
    }
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('UPDATE schema_version SET version = ?').run(migration.version);
    })();
    version = migration.version;
  }
  return version;
}
