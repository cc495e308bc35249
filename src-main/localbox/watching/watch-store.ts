/**
 * The `directory_watches` and `directory_watch_files` tables (BEHAVIOR.md §15, migration 007).
 *
 * `directory_watch_files` remembers what the watcher did with each file, keyed by (watch, relative path) and
 * compared by (size, mtime): see `isHandled`. This is what makes a restart re-import nothing unchanged and makes
 * a rejected file produce one log row, not one per poll or per restart.
 */
import type { Database, Statement } from 'better-sqlite3';
import type { WatchedDirectory } from '../../slicebox/types.js';

interface WatchRow {
  id: number;
  name: string;
  path: string;
}

/** The identity of one version of a file: its size and modification time (ms, fractional). */
export interface FileVersion {
  size: number;
  mtimeMs: number;
}

export type FileOutcome =
  { outcome: 'imported'; imageId: number } | { outcome: 'rejected'; reason: string };

function toWatch(r: WatchRow): WatchedDirectory {
  return { id: r.id, name: r.name, path: r.path };
}

export class WatchStore {
  /** Prepared once: the watcher asks for every file on every sweep. */
  private handledStmt: Statement | undefined;

  constructor(private readonly db: Database) {}

  list(startIndex: number, count: number): WatchedDirectory[] {
    const rows = this.db
      .prepare('SELECT id, name, path FROM directory_watches ORDER BY id LIMIT ? OFFSET ?')
      .all(count, startIndex) as WatchRow[];
    return rows.map(toWatch);
  }

  all(): WatchedDirectory[] {
    const rows = this.db
      .prepare('SELECT id, name, path FROM directory_watches ORDER BY id')
      .all() as WatchRow[];
    return rows.map(toWatch);
  }

  get(id: number): WatchedDirectory | undefined {
    const row = this.db
      .prepare('SELECT id, name, path FROM directory_watches WHERE id = ?')
      .get(id) as WatchRow | undefined;
    return row ? toWatch(row) : undefined;
  }

  /** The watch of exactly this path string (Slicebox's lookup), if any. */
  byPath(path: string): WatchedDirectory | undefined {
    const row = this.db
      .prepare('SELECT id, name, path FROM directory_watches WHERE path = ?')
      .get(path) as WatchRow | undefined;
    return row ? toWatch(row) : undefined;
  }

  insert(name: string, path: string): WatchedDirectory {
    const id = Number(
      this.db.prepare('INSERT INTO directory_watches (name, path) VALUES (?, ?)').run(name, path)
        .lastInsertRowid,
    );
    return { id, name, path };
  }

  /** Deletes the watch, its file records and its tag-filter associations; false when there was none. */
  delete(id: number): boolean {
    return this.db.prepare('DELETE FROM directory_watches WHERE id = ?').run(id).changes > 0;
  }

  /** True when this version (size and mtime) of the file was already imported or rejected. */
  isHandled(watchId: number, relPath: string, version: FileVersion): boolean {
    this.handledStmt ??= this.db.prepare(
      'SELECT size, mtime_ms FROM directory_watch_files WHERE watch_id = ? AND path = ?',
    );
    const row = this.handledStmt.get(watchId, relPath) as
      { size: number; mtime_ms: number } | undefined;
    return row !== undefined && row.size === version.size && row.mtime_ms === version.mtimeMs;
  }

  /** Records the outcome for this version of the file (replacing an older record). No-op if the watch is gone. */
  recordHandled(
    watchId: number,
    relPath: string,
    version: FileVersion,
    outcome: FileOutcome,
  ): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO directory_watch_files
           (watch_id, path, size, mtime_ms, outcome, image_id, reason, handled)
         SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM directory_watches WHERE id = ?)`,
      )
      .run(
        watchId,
        relPath,
        version.size,
        version.mtimeMs,
        outcome.outcome,
        outcome.outcome === 'imported' ? outcome.imageId : null,
        outcome.outcome === 'rejected' ? outcome.reason : null,
        Date.now(),
        watchId,
      );
  }

  /** Forgets a file (it was deleted, or removed after import), so a new file under that name is handled. */
  forget(watchId: number, relPath: string): void {
    this.db
      .prepare('DELETE FROM directory_watch_files WHERE watch_id = ? AND path = ?')
      .run(watchId, relPath);
  }

  /** Relative paths recorded for a watch (for pruning records of files deleted while the engine was down). */
  recordedPaths(watchId: number): string[] {
    return (
      this.db
        .prepare('SELECT path FROM directory_watch_files WHERE watch_id = ?')
        .all(watchId) as Array<{ path: string }>
    ).map((r) => r.path);
  }
}
