import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { migrate } from './migration.js';
import { cacheStatements } from './statement-cache.js';
import { MIGRATIONS } from './migrations/index.js';

/** Opens (creating if needed) the engine database with WAL, foreign keys, and all migrations applied. */
export function openDatabase(file: string): Database {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    // FULL, not NORMAL, on purpose: an upload is answered after its commit, and the sender (a user, a box, an
    // SCP peer) may delete its copy then. Under NORMAL a power loss can drop the last commits; reconciliation
    // would then delete their files too (files without rows), losing images that were acknowledged as stored.
    // Group commit (images/ingest.ts) shares this fsync between concurrent uploads instead.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    // Unicode-aware lower case for the case-insensitive `filter` parameter (SQLite's lower() is ASCII only).
    db.function('sbx_lower', { deterministic: true }, (s: unknown) =>
      s === null || s === undefined ? null : String(s).toLowerCase(),
    );
    migrate(db, MIGRATIONS);
    cacheStatements(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}
