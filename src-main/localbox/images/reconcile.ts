/**
 * Start-up reconciliation after a crash (DESIGN.md "Data that must never be lost"): empties the temp folder,
 * deletes stored files that have no image row, and deletes image rows whose file is missing (with the
 * empty-parent cleanup of BEHAVIOR.md §6.3). What was done is written to the log (subject `System`).
 */
import type { Database } from 'better-sqlite3';
import type { LogStore } from '../log/log-store.js';
import type { MetadataWrites } from '../metadata/metadata-writes.js';
import type { FileStore } from '../storage/file-store.js';

export interface ReconcileReport {
  tempFilesRemoved: number;
  orphanFilesRemoved: number;
  rowsWithoutFileRemoved: number[];
}

export function reconcileStorage(
  db: Database,
  files: FileStore,
  writes: MetadataWrites,
  log: LogStore,
): ReconcileReport {
  const tempFilesRemoved = files.clearTemp();
  const ids = new Set(
    (db.prepare('SELECT id FROM images').all() as Array<{ id: number }>).map((r) => r.id),
  );
  let orphanFilesRemoved = 0;
  const present = new Set<number>();
  for (const name of files.listStoredNames()) {
    const id = /^[1-9][0-9]*$/.test(name) ? Number(name) : NaN;
    if (Number.isSafeInteger(id) && ids.has(id)) {
      present.add(id);
    } else {
      files.removeStoredName(name);
      orphanFilesRemoved++;
    }
  }
  const missing = [...ids].filter((id) => !present.has(id) && !files.exists(id));
  writes.deleteImages(missing);
  const report = { tempFilesRemoved, orphanFilesRemoved, rowsWithoutFileRemoved: missing };
  if (tempFilesRemoved > 0 || orphanFilesRemoved > 0 || missing.length > 0) {
    log.add(
      'WARN',
      'System',
      `Storage reconciled at start-up: removed ${tempFilesRemoved} temporary file(s), ${orphanFilesRemoved} stored file(s) without an image, ` +
        `and ${missing.length} image(s) whose file was missing${missing.length ? ` (ids ${missing.join(', ')})` : ''}`,
    );
  }
  return report;
}
