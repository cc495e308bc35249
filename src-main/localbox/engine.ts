/** The engine's services, wired once per data directory and shared by the HTTP routes. */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { openDatabase } from './db/open.js';
import { IngestService } from './images/ingest.js';
import { reconcileStorage } from './images/reconcile.js';
import type { ReconcileReport } from './images/reconcile.js';
import { ImportSessionStore } from './importing/import-sessions.js';
import { LogStore } from './log/log-store.js';
import { MetadataQueries } from './metadata/metadata-queries.js';
import { MetadataWrites } from './metadata/metadata-writes.js';
import { FileStore } from './storage/file-store.js';
import { Authenticator } from './users/authenticator.js';
import { SessionStore } from './users/sessions.js';
import { ensureSuperuser } from './users/superuser.js';
import { UserStore } from './users/user-store.js';

export interface EngineConfig {
  dataDir: string;
  superuser: { user: string; password: string };
  sessionTimeoutMs: number;
}

export interface Engine {
  config: EngineConfig;
  db: Database;
  files: FileStore;
  log: LogStore;
  users: UserStore;
  sessions: SessionStore;
  auth: Authenticator;
  metadata: MetadataQueries;
  metadataWrites: MetadataWrites;
  ingest: IngestService;
  importSessions: ImportSessionStore;
  reconcileReport: ReconcileReport;
  close(): void;
}

export async function openEngine(config: EngineConfig): Promise<Engine> {
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(join(config.dataDir, 'slicebox.sqlite'));
  try {
    const files = new FileStore(config.dataDir);
    const log = new LogStore(db);
    const users = new UserStore(db);
    const sessions = new SessionStore(db, config.sessionTimeoutMs);
    const metadataWrites = new MetadataWrites(db);
    const reconcileReport = reconcileStorage(db, files, metadataWrites, log);
    await ensureSuperuser(db, users, config.superuser.user, config.superuser.password);
    sessions.sweep();
    const sweeper = setInterval(() => sessions.sweep(), 60 * 60 * 1000);
    sweeper.unref();
    return {
      config,
      db,
      files,
      log,
      users,
      sessions,
      auth: new Authenticator(users, sessions),
      metadata: new MetadataQueries(db),
      metadataWrites,
      ingest: new IngestService(db, files, metadataWrites),
      importSessions: new ImportSessionStore(db),
      reconcileReport,
      close() {
        clearInterval(sweeper);
        db.close();
      },
    };
  } catch (e) {
    db.close();
    throw e;
  }
}
