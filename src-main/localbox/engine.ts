/** The engine's services, wired once per data directory and shared by the HTTP routes. */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { AnonymizationKeyStore, AnonymizationService } from './anonymization-store/index.js';
import { openDatabase } from './db/open.js';
import { ExportSets } from './exporting/export-sets.js';
import { filterDicomFile } from './filtering/apply-filters.js';
import { FilterStore } from './filtering/filter-store.js';
import { IngestService } from './images/ingest.js';
import { reconcileStorage } from './images/reconcile.js';
import type { ReconcileReport } from './images/reconcile.js';
import { ImportSessionStore } from './importing/import-sessions.js';
import { LogStore } from './log/log-store.js';
import { MetadataQueries } from './metadata/metadata-queries.js';
import { MetadataWrites } from './metadata/metadata-writes.js';
import { registerLikeFunction } from './metadata/query-like.js';
import { MetadataQueryService } from './metadata/query-metadata.js';
import { ImageDeletion } from './modify/image-deletion.js';
import { SeriesTagStore } from './seriestypes/series-tag-store.js';
import { SeriesTypeStore } from './seriestypes/series-type-store.js';
import { SeriesTypeUpdater } from './seriestypes/series-type-updater.js';
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
  /** Image deletion with the "images deleted" event (§6.3, §24). */
  imageDeletion: ImageDeletion;
  /** In-memory export sets (§10.9). */
  exportSets: ExportSets;
  /** Anonymization keys (§11.5) and anonymization of stored images (§11.1, §11.8). */
  anonymizationKeys: AnonymizationKeyStore;
  anonymization: AnonymizationService;
  /** `POST /metadata/.../query` (§9.7). */
  metadataQuery: MetadataQueryService;
  /** Series tags (§9.4, §9.8), series types with rules and automatic assignment (§20), tag filters (§19). */
  seriesTags: SeriesTagStore;
  seriesTypes: SeriesTypeStore;
  seriesTypeUpdater: SeriesTypeUpdater;
  filters: FilterStore;
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
    const anonymizationKeys = new AnonymizationKeyStore(db);
    registerLikeFunction(db);
    const seriesTypes = new SeriesTypeStore(db);
    const seriesTypeUpdater = new SeriesTypeUpdater(seriesTypes, files, log);
    const filters = new FilterStore(db);
    const ingest = new IngestService(db, files, metadataWrites, anonymizationKeys);
    ingest.tagFilter = (tempPath, source) =>
      filterDicomFile(tempPath, filters.forSource(source.sourceType, source.sourceId));
    ingest.imageAddedListeners.push((result) =>
      seriesTypeUpdater.seriesChanged(result.image.seriesId),
    );
    const engine: Engine = {
      config,
      db,
      files,
      log,
      users,
      sessions,
      auth: new Authenticator(users, sessions),
      metadata: new MetadataQueries(db),
      metadataWrites,
      ingest,
      importSessions: new ImportSessionStore(db),
      reconcileReport,
      imageDeletion: new ImageDeletion(metadataWrites, files),
      exportSets: new ExportSets(),
      anonymizationKeys,
      anonymization: new AnonymizationService(() => engine),
      metadataQuery: new MetadataQueryService(db),
      seriesTags: new SeriesTagStore(db),
      seriesTypes,
      seriesTypeUpdater,
      filters,
      close() {
        clearInterval(sweeper);
        seriesTypeUpdater.stop();
        db.close();
      },
    };
    return engine;
  } catch (e) {
    db.close();
    throw e;
  }
}
