/**
 * The engine's services, wired once per data directory and shared by the HTTP routes.
 *
 * CPU-heavy DICOM work runs in a worker pool (`codec`, pool/worker-pool.ts) within budgets (codec/budgets.ts).
 * Closing is asynchronous and ordered (lifecycle/teardowns.ts): each part registers its teardown when it is
 * opened and they run in reverse — intake stops first (DICOM listeners, watchers, timers), then the pool is
 * terminated (running jobs fail at once), queued stores are failed, watchers finish, and the database closes last.
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import { AnonymizationKeyStore, AnonymizationService } from './anonymization-store/index.js';
import { BoxService } from './boxes/box-service.js';
import type { BoxOptions } from './boxes/box-service.js';
import { ForwardingService } from './forwarding/forwarding-service.js';
import type { ForwardingOptions } from './forwarding/forwarding-service.js';
import { openDatabase } from './db/open.js';
import { ExportSets } from './exporting/export-sets.js';
import { resolveBudgets } from './codec/budgets.js';
import type { Budgets } from './codec/budgets.js';
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
import type { PasswordHasher } from './users/passwords.js';
import { pooledPasswords } from './users/pooled-passwords.js';
import { SessionStore } from './users/sessions.js';
import { ensureSuperuser } from './users/superuser.js';
import { UserStore } from './users/user-store.js';
import { ScpListeners } from './dimse/scp-listener.js';
import type { ScpLimits } from './dimse/scp-limits.js';
import { ScpStore } from './dimse/scp-store.js';
import { ScuService } from './dimse/scu-sender.js';
import { ScuStore } from './dimse/scu-store.js';
import { PacsNodeStore } from './pacs/pacs-nodes.js';
import { RetrieveService } from './pacs/retrieve-service.js';
import { RetrieveStore } from './pacs/retrieve-store.js';
import { DirectoryWatchService } from './watching/watch-service.js';
import type { WatchOptions } from './watching/directory-watcher.js';
import { WatchStore } from './watching/watch-store.js';
import { Teardowns } from './lifecycle/teardowns.js';
import { defaultWorkerCount, transferablesOf, WorkerPool } from './pool/worker-pool.js';
import { resolveWorkerFile } from './pool/worker-file.js';

export interface EngineConfig {
  dataDir: string;
  superuser: { user: string; password: string };
  sessionTimeoutMs: number;
  /** Address the SCP listeners bind (§16). Default 127.0.0.1; `0.0.0.0` opens them to the network. */
  dicomHost?: string;
  /** SCP timeouts, association and dataset limits (dimse/scp-limits.ts); defaults in DECISIONS.md. */
  dicomLimits?: Partial<ScpLimits>;
  /** Box worker timing (tests use short ticks); defaults per BEHAVIOR.md §12.7, §13.3. */
  boxes?: BoxOptions;
  /** Forwarding dispatch/close timing (tests use short ticks); defaults 30 s per BEHAVIOR.md §18. */
  forwarding?: ForwardingOptions;
  /** Directory watch polling, write-finish wait and delete-on-import (§15, §2); defaults in watching/. */
  watches?: Partial<WatchOptions>;
  /** Worker threads for the CPU work (default: one per core, at most 8; CLI `--workers`). */
  workers?: number;
  /** Budgets of the CPU work (defaults in codec/budgets.ts; CLI `--max-inflated-mb` etc.). */
  budgets?: Partial<Budgets>;
  /** The worker bundle (default: `localbox-worker.js` beside the engine's bundle; see pool/worker-file.ts). */
  workerFile?: string;
  /** One line per job and kind of message the DICOM libraries logged (default: stderr). */
  workerLog?: (line: string) => void;
  /** Group commit wait of ingest (images/ingest.ts; default 4 ms). */
  groupCommitWaitMs?: number;
}

export interface Engine {
  config: EngineConfig;
  db: Database;
  files: FileStore;
  log: LogStore;
  users: UserStore;
  sessions: SessionStore;
  auth: Authenticator;
  /** bcrypt in the worker pool (users/pooled-passwords.ts). */
  passwords: PasswordHasher;
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
  /** Boxes and the box transfer protocol (§12, §13); PUSH box workers run from engine open to close. */
  boxes: BoxService;
  /** SCPs with their DICOM listeners (§16) and SCUs with C-STORE sending (§17). */
  scps: ScpStore;
  scpListeners: ScpListeners;
  scus: ScuStore;
  scuService: ScuService;
  /** Directory watches (§15): one polling watcher per row from open to close. */
  directoryWatches: DirectoryWatchService;
  /** Forwarding rules and their queue/dispatch/close cycle (§18); ticks run from engine open to close. */
  forwarding: ForwardingService;
  /** The worker pool that runs the CPU-heavy DICOM work (codec/jobs.ts). */
  codec: WorkerPool;
  /** The budgets in force. */
  budgets: Budgets;
  /** PACS nodes (SCUs with query/retrieve settings) and retrieve jobs (desktop extension, `pacs/`). */
  pacsNodes: PacsNodeStore;
  retrieves: RetrieveService;
  /** Stops everything in reverse order of opening; the database closes last. */
  close(): Promise<void>;
}

export async function openEngine(config: EngineConfig): Promise<Engine> {
  const budgets = resolveBudgets(config.budgets);
  const workerFile = resolveWorkerFile(config.workerFile);
  const workers = config.workers ?? defaultWorkerCount();
  mkdirSync(config.dataDir, { recursive: true });
  const teardowns = new Teardowns();
  const db = openDatabase(join(config.dataDir, 'slicebox.sqlite'));
  teardowns.add('database', () => void db.close());
  try {
    const codec = new WorkerPool({
      workerFile,
      size: workers,
      budgets,
      ...(config.workerLog ? { onLog: config.workerLog } : {}),
    });
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
    teardowns.add('session sweeper', () => clearInterval(sweeper));
    // Files being imported from watched directories are waited for (bounded); by then the pool is gone, so they
    // fail at once and are handled again at the next start.
    const opened: { watches?: DirectoryWatchService } = {};
    teardowns.add('directory watches', () => opened.watches?.stopAll());
    const anonymizationKeys = new AnonymizationKeyStore(db);
    registerLikeFunction(db);
    const seriesTypes = new SeriesTypeStore(db);
    const seriesTypeUpdater = new SeriesTypeUpdater(seriesTypes, files, log, (path, rulesByType) =>
      codec.run('seriesTypes.match', { path, rulesByType }, { label: 'series type update' }),
    );
    const filters = new FilterStore(db);
    const passwords = pooledPasswords(codec);
    const ingest = new IngestService(db, files, metadataWrites, codec, anonymizationKeys, {
      ...(config.groupCommitWaitMs !== undefined
        ? { groupCommitWaitMs: config.groupCommitWaitMs }
        : {}),
    });
    // Log lines flush the WAL on the pool too, not on the event loop (log/log-store.ts).
    log.flushWith(ingest.walSync);
    // Stores already prepared are committed; then no more.
    teardowns.add('ingest', () => ingest.close());
    // Terminated before the stores and the database close: running jobs fail at once.
    teardowns.add('worker pool', () => codec.close());
    ingest.tagFilters = (source) => filters.forSource(source.sourceType, source.sourceId);
    ingest.imageAddedListeners.push((result) =>
      seriesTypeUpdater.seriesChanged(result.image.seriesId),
    );
    const scps = new ScpStore(db);
    const scus = new ScuStore(db);
    const pacsNodes = new PacsNodeStore(db, scps);
    const engine: Engine = {
      config,
      db,
      files,
      log,
      users,
      sessions,
      auth: new Authenticator(users, sessions, passwords),
      passwords,
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
      boxes: new BoxService(() => engine, db, config.boxes),
      forwarding: new ForwardingService(() => engine, db, config.forwarding),
      scps,
      scpListeners: new ScpListeners({
        host: config.dicomHost ?? '127.0.0.1',
        tmpDir: files.tmpDir,
        memory: files.uploadMemory,
        store: (received, source) =>
          ingest.ingest(received, { source, sopClasses: 'image-data', reverseAnonymization: true }),
        log: (type, message) => logSafely(log, type, 'SCP', message),
        ...(config.dicomLimits ? { limits: config.dicomLimits } : {}),
      }),
      scus,
      scuService: new ScuService({
        // No stat here: a missing file has no meta (readMetas), which makes the image "not found" just the same.
        storedPath: (imageId) => files.pathOf(imageId),
        log: (type, message) => logSafely(log, type, 'SCU', message),
        readMetas: async (paths) =>
          (
            await codec.run(
              'fileMetas',
              { paths },
              { label: `SCU send: ${paths.length} file metas` },
            )
          ).map((meta) => meta ?? undefined),
        convert: async (bytes, meta, toTs) => {
          const out = await codec.run(
            'transcode',
            { bytes, meta, toTs },
            { label: `SCU send of ${meta.sopInstanceUid}`, transfer: transferablesOf(bytes) },
          );
          return Buffer.from(out.bytes.buffer, out.bytes.byteOffset, out.bytes.byteLength);
        },
      }),
      directoryWatches: new DirectoryWatchService(
        new WatchStore(db),
        {
          dataDir: config.dataDir,
          files,
          ingest: async (tempPath, source) => ({
            imageId: (
              await ingest.ingest(tempPath, {
                source,
                sopClasses: 'image-data',
                reverseAnonymization: true,
              })
            ).image.id,
          }),
          log: (type, message) => logSafely(log, type, 'Directory', message),
        },
        config.watches,
      ),
      pacsNodes,
      retrieves: new RetrieveService({
        scus,
        nodes: pacsNodes,
        store: new RetrieveStore(db),
        tmpDir: files.tmpDir,
        ingest: async (received, scp) => {
          await ingest.ingest(received, {
            source: { sourceType: 'scp', sourceName: scp.name, sourceId: scp.id },
            sopClasses: 'image-data',
            reverseAnonymization: true,
          });
        },
        scpListening: (id) => engine.scpListeners.isListening(id),
        log: (type, subject, message) => logSafely(log, type, subject, message),
      }),
      codec,
      budgets,
      close: () => teardowns.run(),
    };
    opened.watches = engine.directoryWatches;
    // Timers, then listeners and watch polling stop first of all (reverse order).
    teardowns.add('series type updater', () => seriesTypeUpdater.stop());
    teardowns.add('boxes', () => engine.boxes.stop());
    teardowns.add('forwarding', () => engine.forwarding.stop());
    engine.boxes.start();
    engine.forwarding.start();
    // One DICOM listener per SCP row; a port that cannot be bound is logged, the engine opens anyway.
    // Closing stops them first: listeners stop accepting at once, open associations are dropped (their temp
    // files are removed).
    teardowns.add('DICOM listeners', () => engine.scpListeners.stopAll());
    await Promise.all(engine.scps.all().map((scp) => engine.scpListeners.start(scp)));
    // Watches whose directory is gone are deleted; the others import what is new or changed since last time.
    teardowns.add('directory watch polling', () => void engine.directoryWatches.stopAll());
    engine.directoryWatches.startAll();
    // Images that arrive for a running retrieve count as its progress; runs cut off by the last stop are marked.
    ingest.imageAddedListeners.push((result, source) =>
      engine.retrieves.imageStored(result.image.seriesId, source),
    );
    // Retrieves from PACS nodes are aborted first of all at close; the next start marks them interrupted.
    teardowns.add('PACS retrieves', () => engine.retrieves.stop());
    engine.retrieves.start();
    return engine;
  } catch (e) {
    await teardowns.run().catch(() => undefined);
    throw e;
  }
}

/** DICOM network events are logged from callbacks that may run while or after the engine closes. */
function logSafely(
  log: LogStore,
  type: 'INFO' | 'WARN' | 'ERROR',
  subject: string,
  message: string,
): void {
  try {
    log.add(type, subject, message);
  } catch {
    // The database is closed: nothing to record into.
  }
}
