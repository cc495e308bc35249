/**
 * The commit of a batch of stored images, made durable off the event loop.
 *
 * The engine's connection runs `synchronous = FULL` (db/open.ts): every commit fsyncs the WAL before it returns,
 * and better-sqlite3 is synchronous, so the event loop waits for that flush (issue 9: about half of the main
 * thread's busy time during ingest). For the ingest's batch commits only (images/ingest.ts), `commitThenSync`
 * runs the transaction under `synchronous = NORMAL` (the commit writes its WAL frames, without the flush), puts the
 * connection back to FULL, and flushes the WAL file on the libuv pool (`fdatasync`, see `sync`). The ingest answers
 * its callers only after that flush has succeeded, so "acknowledged = on disk" holds exactly as before; meanwhile the event loop receives
 * the next uploads.
 *
 * Until that flush, a power loss may keep or drop the commit; either way no acknowledged image is affected, and a
 * kept row is consistent: its file was flushed before the commit (the rename may be lost with it, and start-up
 * reconciliation removes a row whose file is missing). Under NORMAL, SQLite still syncs the WAL before every
 * checkpoint and the database after it. The log's lines commit the same way, with nobody waiting for their flush
 * (log/log-store.ts). Every other write of the engine keeps FULL.
 */
import { closeSync, fdatasync, fstatSync, openSync } from 'node:fs';
import type { Database } from 'better-sqlite3';

export class WalSync {
  private fd: number | undefined;
  /** fsyncs queued on the descriptor and not settled yet: it is closed only when none is left. */
  private inFlight = 0;
  private closing = false;
  /** Descriptors of a replaced WAL file with fsyncs still queued on them. */
  private stale: number[] = [];

  constructor(private readonly db: Database) {}

  /**
   * Runs `transaction` (a better-sqlite3 transaction function) with its commit's WAL fsync deferred; the returned
   * promise settles when the WAL is on disk. When the connection is not in WAL mode (an in-memory database), the
   * commit is synchronous as usual and the promise is already resolved.
   */
  commitThenSync<T>(transaction: () => T): { result: T; synced: Promise<void> } {
    // Closing (the engine is stopping): commit under FULL as usual rather than open the WAL file again.
    if (this.db.memory || this.db.inTransaction || this.closing)
      return { result: transaction(), synced: Promise.resolve() };
    this.db.pragma('synchronous = NORMAL');
    let result: T;
    try {
      result = transaction();
    } finally {
      this.db.pragma('synchronous = FULL');
    }
    return { result, synced: this.sync() };
  }

  /**
   * Flushes the WAL file on the libuv pool with `fdatasync` (what SQLite uses where built with HAVE_FDATASYNC, and
   * PostgreSQL's default for its WAL on Linux): the frames and, when the file grew, its size; not its timestamps,
   * which a reused WAL (rewritten from its start after a checkpoint) would otherwise send through the file
   * system's journal at every commit. (better-sqlite3's own build calls fsync.)
   */
  sync(): Promise<void> {
    let fd: number;
    try {
      fd = this.walFd();
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    this.inFlight++;
    return new Promise((resolve, reject) =>
      fdatasync(fd, (e) => {
        this.inFlight--;
        if (this.inFlight === 0) this.closeStale();
        if (this.closing && this.inFlight === 0) this.closeFd();
        if (e) reject(e);
        else resolve();
      }),
    );
  }

  /** Closes the descriptor once the fsyncs queued on it have settled. */
  close(): void {
    this.closing = true;
    if (this.inFlight === 0) this.closeFd();
  }

  private closeStale(): void {
    for (const fd of this.stale.splice(0)) closeSync(fd);
  }

  private closeFd(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** A descriptor of the WAL file, reopened if the file was replaced (the one kept has no name any more). */
  private walFd(): number {
    if (this.fd !== undefined && fstatSync(this.fd).nlink > 0) return this.fd;
    // Replaced: the old descriptor is closed once no fsync is queued on it (a queued one still flushes its file).
    if (this.fd !== undefined) this.stale.push(this.fd);
    this.fd = undefined;
    if (this.inFlight === 0) this.closeStale();
    this.fd = openSync(`${this.db.name}-wal`, 'r');
    return this.fd;
  }
}
