/**
 * The one storage procedure shared by every ingestion path (BEHAVIOR.md §6.1): parse and validate a temporary
 * file, then in ONE database transaction upsert the metadata, record the series source, let the caller record
 * path-specific rows (e.g. import-session counters), and rename the file into place; commit last.
 * On any failure nothing is left behind: the temp file is removed and the transaction rolled back.
 *
 * Group commit: stores that are ready at about the same time (concurrent uploads) share one transaction. Each
 * store runs in its own savepoint (so one failing store rolls back only itself), the renames of all of them are
 * made durable by ONE fsync of the `dicom/` directory, and then ONE commit (one WAL fsync) makes all rows
 * durable; every caller is answered after that commit. The durability rule is unchanged: a file is fsynced
 * (temp file), renamed into place and the rename made durable before the row that records it is committed; a
 * crash before the commit leaves files without rows, which the start-up reconciliation removes.
 *
 * Preparation (validation, tag filters, reverse anonymization) is CPU work and runs in the worker pool
 * (codec/jobs.ts `ingest.prepare`, `ingest.reverse`); what comes back is plain metadata. The key lookup of reverse
 * anonymization and everything in the database stay here, on the main thread.
 *
 * An upload received into memory (storage/receive-temp.ts) is validated from those bytes, moved to the worker,
 * while its temp file is still being written and flushed; the store is queued only once both are done, so the
 * order on disk stays: temp file flushed → renamed into place → directory flushed → commit. When the source has
 * tag filters (which rewrite the temp file) the file is waited for first and validated from disk.
 */
import type { Database } from 'better-sqlite3';
import type { KeyLookup } from '../anonymization/index.js';
import { reverseAnonymizeOnReceipt } from '../anonymization-store/reverse-on-receipt.js';
import type { Source } from '../../slicebox/types.js';
import type { SopClassPolicy } from '../dicom/uids.js';
import type { SourceFilters } from '../filtering/apply-filters.js';
import type { MetadataWrites, UpsertResult } from '../metadata/metadata-writes.js';
import { PoolClosedError, transferablesOf } from '../pool/worker-pool.js';
import type { CodecRunner } from '../pool/worker-pool.js';
import type { FileStore } from '../storage/file-store.js';
import type { ReceivedTemp } from '../storage/receive-temp.js';
import { WalSync } from '../db/wal-sync.js';

export interface IngestOptions {
  source: Source;
  sopClasses: SopClassPolicy;
  /** Runs inside the storage transaction before the metadata upsert (e.g. modify deletes the old image here). */
  beforeUpsert?: () => void;
  /** Runs inside the storage transaction after the metadata upsert (throwing aborts the whole store). */
  withinTransaction?: (result: UpsertResult) => void;
  /**
   * Receiving paths (uploads, JPEG, imports, SCP, directory, box receipt) set this; in-place anonymize and modify
   * do not: data flagged PatientIdentityRemoved = YES gets real values back from matching anonymization keys
   * before it is stored (§6.1 step 4, §11.7).
   */
  reverseAnonymization?: boolean;
}

export interface IngestServiceOptions {
  /**
   * How long a queued store may wait for concurrent stores still being prepared to join its commit (default
   * 4 ms). The wait ends as soon as none is being prepared.
   */
  groupCommitWaitMs?: number;
}

export class IngestService {
  private readonly groupCommitWaitMs: number;

  constructor(
    private readonly db: Database,
    private readonly files: FileStore,
    private readonly writes: MetadataWrites,
    private readonly codec: CodecRunner,
    /** Anonymization keys for reverse anonymization on receipt (required by `reverseAnonymization`). */
    private readonly anonymizationKeys?: KeyLookup,
    options: IngestServiceOptions = {},
  ) {
    this.groupCommitWaitMs = options.groupCommitWaitMs ?? GROUP_COMMIT_WAIT_MS;
    this.walSync = new WalSync(db);
  }

  /** Plain batches commit without waiting for the WAL flush on the event loop (db/wal-sync.ts). */
  readonly walSync: WalSync;

  /** Tag filters of the source (§6.1 step 3, §19), applied (in the worker) to the temp file before it is stored. */
  tagFilters?: (source: Source) => SourceFilters;
  /** Called after every successful store, new or overwritten (the "image added" event, §6.1 step 8, §24). */
  readonly imageAddedListeners: Array<(result: UpsertResult, source: Source) => void> = [];

  /** Stores ready to commit, in arrival order, and whether a flush is scheduled. */
  private queue: PendingStore[] = [];
  private flushTimer: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private flushIsImmediate = false;
  private firstQueuedAt = 0;
  /** Stores between start and queueing (parsing, tag filters, reverse anonymization). */
  private preparing = 0;
  private closed = false;

  /**
   * The engine is closing: stores already prepared and queued are committed now (before the database closes),
   * and new ones are refused.
   */
  close(): void {
    this.closed = true;
    if (this.flushTimer !== undefined) {
      clearTimeout(this.flushTimer as NodeJS.Timeout);
      clearImmediate(this.flushTimer as NodeJS.Immediate);
    }
    this.flushTimer = undefined;
    if (this.queue.length > 0) this.flush(true);
    this.walSync.close();
  }

  /**
   * Stores a DICOM file in the store's temp folder (consumed by this call): a path to a file already on disk, or an
   * upload received by `FileStore.receiveTemp` (its file may still be being written).
   */
  async ingest(temp: string | ReceivedTemp, options: IngestOptions): Promise<UpsertResult> {
    const received: ReceivedTemp =
      typeof temp === 'string' ? { path: temp, written: Promise.resolve() } : temp;
    const tempPath = received.path;
    let queued = false;
    let renamed = false;
    this.preparing++;
    try {
      if (this.closed) throw new PoolClosedError();
      const label = `${options.source.sourceType} ${options.source.sourceName}`;
      const filters = this.tagFilters?.(options.source);
      const filtered =
        filters !== undefined && filters.blacklists.length + filters.whitelists.length > 0;
      // Validated from memory while the file is written, unless tag filters must rewrite the file.
      const bytes = filtered ? undefined : received.bytes;
      if (!bytes) await received.written;
      const preparing = this.codec.run(
        'ingest.prepare',
        {
          path: tempPath,
          bytes,
          sopClasses: options.sopClasses,
          filters: filtered ? filters : undefined,
          reverse: options.reverseAnonymization === true,
        },
        {
          label: `upload from ${label}`,
          transfer: bytes ? transferablesOf(bytes) : [],
        },
      );
      const [first] = await Promise.all([preparing, received.written]);
      let prepared = first;
      if (options.reverseAnonymization && prepared.reverseKeyValues) {
        if (!this.anonymizationKeys) throw new Error('reverse anonymization needs the key store');
        prepared =
          (await reverseAnonymizeOnReceipt(
            this.codec,
            tempPath,
            prepared.reverseKeyValues,
            this.anonymizationKeys,
            `upload from ${label}`,
          )) ?? prepared;
      }
      const metadata = prepared.metadata;
      if (this.closed) throw new PoolClosedError();
      const stored = await new Promise<UpsertResult>((resolve, reject) => {
        this.preparing--;
        queued = true;
        this.enqueue({
          plain: options.beforeUpsert === undefined && options.withinTransaction === undefined,
          store: () => {
            options.beforeUpsert?.();
            const result = this.writes.upsert(metadata, options.source);
            options.withinTransaction?.(result);
            // Last in the savepoint: when it throws nothing was moved, and nothing can fail after it.
            this.files.renameIntoPlaceSync(tempPath, result.image.id);
            renamed = true;
            return result;
          },
          resolve,
          reject,
        });
      });
      for (const listener of this.imageAddedListeners) {
        try {
          listener(stored, options.source);
        } catch {
          // A listener must not turn a committed store into a failure (which would remove the file).
        }
      }
      return stored;
    } finally {
      if (!queued) this.preparing--;
      // A write still running could recreate the file after its removal: let it settle first.
      await received.written.catch(() => undefined);
      // Renamed into place: nothing is left in the temp folder (if the batch failed, the file was removed).
      if (!renamed) await this.files.discardTemp(tempPath);
    }
  }

  private enqueue(pending: PendingStore): void {
    if (this.queue.length === 0) this.firstQueuedAt = performance.now();
    this.queue.push(pending);
    // Flush right after this turn of the event loop when no other store is being prepared, else soon.
    this.scheduleFlush(this.preparing === 0);
  }

  private scheduleFlush(immediate: boolean): void {
    if (this.flushTimer !== undefined) {
      if (!immediate || this.flushIsImmediate) return;
      clearTimeout(this.flushTimer as NodeJS.Timeout);
    }
    this.flushIsImmediate = immediate;
    this.flushTimer = immediate
      ? setImmediate(() => this.flushOrWait())
      : setTimeout(() => this.flushOrWait(), 1);
  }

  /**
   * Flushes the queue, or waits a little (at most GROUP_COMMIT_WAIT_MS after the first queued store) while other
   * stores are still being prepared, so that they join the same commit.
   */
  private flushOrWait(): void {
    this.flushTimer = undefined;
    if (this.queue.length === 0) return;
    if (this.preparing > 0 && performance.now() - this.firstQueuedAt < this.groupCommitWaitMs) {
      this.scheduleFlush(false);
      return;
    }
    this.flush();
  }

  /**
   * Commits the queued stores in one transaction. The renames are made durable by one fsync of `dicom/` before
   * the stores are answered. When every store of the batch is a new image without hooks (`plain`), that fsync
   * runs on the libuv pool beside the commit, instead of before it (DECISIONS.md "Group commit: the directory fsync
   * beside the commit"); otherwise, or with `strict`, it runs inside the transaction, before the commit.
   *
   * A batch of stores without hooks (not `strict`) also has its commit's WAL flush on the libuv pool
   * (db/wal-sync.ts); any other batch flushes the WAL in its commit, here. The stores are answered when every
   * flush has succeeded.
   */
  private flush(strict = false): void {
    const batch = this.queue;
    this.queue = [];
    const done: Array<{ pending: PendingStore; result: UpsertResult }> = [];
    const failed: Array<{ pending: PendingStore; error: unknown }> = [];
    let dirSynced: Promise<void> | undefined;
    let walSynced: Promise<void> | undefined;
    const transaction = this.db.transaction(() => {
      for (const pending of batch) {
        try {
          // A nested better-sqlite3 transaction is a savepoint: a failing store rolls back only itself.
          done.push({ pending, result: this.db.transaction(pending.store)() });
        } catch (error) {
          failed.push({ pending, error });
          // Some SQLite errors roll back the whole transaction; then nothing of the batch may be committed.
          if (!this.db.inTransaction) throw error;
        }
      }
      if (done.length === 0) return;
      if (!strict && done.every((d) => d.pending.plain && d.result.added)) {
        // Started now (the fsync is queued at once), awaited after the commit.
        dirSynced = this.files.syncStoredDir();
        dirSynced.catch(() => undefined);
      } else {
        // Make the renames durable before the rows that record them are committed.
        this.files.syncStoredDirSync();
      }
    });
    try {
      if (!strict && batch.every((p) => p.plain)) {
        walSynced = this.walSync.commitThenSync(transaction).synced;
        walSynced.catch(() => undefined);
      } else {
        transaction();
      }
    } catch (error) {
      // Nothing of the batch was committed: new files renamed into place must not survive.
      for (const { pending, result } of done) {
        if (result.added) this.files.removeSync(result.image.id);
        pending.reject(error);
      }
      for (const f of failed) f.pending.reject(f.error);
      return;
    }
    for (const f of failed) f.pending.reject(f.error);
    if (done.length === 0) return;
    if (!dirSynced && !walSynced) {
      for (const { pending, result } of done) pending.resolve(result);
      return;
    }
    Promise.all([
      dirSynced?.catch((e: unknown) => Promise.reject(durabilityError('the storage folder', e))),
      walSynced?.catch((e: unknown) =>
        Promise.reject(durabilityError("the database's write-ahead log", e)),
      ),
    ]).then(
      () => {
        for (const { pending, result } of done) pending.resolve(result);
      },
      (failure: unknown) => {
        // Committed, but not certainly durable: nothing of the batch is acknowledged. The images stay (their rows
        // and files are consistent while the engine runs); after a crash, start-up reconciliation removes a row
        // whose file is missing. A sender that retries overwrites the image.
        for (const { pending } of done) pending.reject(failure);
      },
    );
  }
}

function durabilityError(what: string, error: unknown): Error {
  return new Error(
    `The stored files could not be made durable (fsync of ${what} failed: ${
      error instanceof Error ? error.message : String(error)
    })`,
  );
}

/** Default of `groupCommitWaitMs`. */
const GROUP_COMMIT_WAIT_MS = 4;

interface PendingStore {
  /** No hooks run inside the transaction (beforeUpsert, withinTransaction). */
  plain: boolean;
  /** Runs inside the batch transaction, in its own savepoint. */
  store: () => UpsertResult;
  resolve: (result: UpsertResult) => void;
  reject: (error: unknown) => void;
}
