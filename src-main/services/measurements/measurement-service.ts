/**
 * The viewer's measurements on the bridge: list, save, remove (the cache database, `measurement-store.ts`) and
 * the CSV export through the app's save path, as exports go: Electron asks where with the native save dialog;
 * browser mode writes into the data folder's `exports/` and hands the text back for the window to download.
 * Files are written atomically (temporary file, flushed, renamed into place).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type {
  Measurement,
  MeasurementCsvExport,
  MeasurementDraft,
} from '../../../src-preload/contract.js';
import type { CacheDb } from '../cache/cache-db.js';
import type { Dialogs } from '../exports/export-service.js';
import { ServiceError } from '../service-error.js';
import { measurementsCsv } from './measurement-csv.js';
import { MeasurementStore } from './measurement-store.js';

export interface MeasurementServiceOptions {
  /** Browser mode's destination folder (the data folder's `exports/`). */
  exportsDir: string;
  dialogs?: Dialogs;
  now?: () => number;
}

const CSV_FILTER = { name: 'CSV (comma-separated values)', extensions: ['csv'] };

function timestamp(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-` +
    `${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`
  );
}

/** `name.csv`, or `name (2).csv`, … — the first that does not exist in `dir`. */
async function freeName(dir: string, name: string): Promise<string> {
  const stem = name.replace(/\.csv$/, '');
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem} (${n}).csv`;
    const taken = await stat(join(dir, candidate)).then(
      () => true,
      () => false,
    );
    if (!taken) return candidate;
  }
}

/** Writes `text` to `path` so that `path` is either absent, the old file, or the whole new file. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export class MeasurementService {
  private readonly store: MeasurementStore;
  private readonly now: () => number;

  constructor(
    db: CacheDb,
    private readonly options: MeasurementServiceOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.store = new MeasurementStore(db, this.now);
  }

  list(connectionId: string, sopInstanceUids: readonly string[]): Measurement[] {
    return this.store.list(connectionId, sopInstanceUids);
  }

  save(draft: MeasurementDraft): Measurement {
    const saved = this.store.save(draft);
    if (!saved) {
      throw new ServiceError(
        'invalid-arguments',
        `Measurement ${draft.id} belongs to another image; it was not changed`,
      );
    }
    return saved;
  }

  remove(connectionId: string, id: string): void {
    this.store.remove(connectionId, id);
  }

  /** The measurements of these images as CSV, in the order of `sopInstanceUids`, then frame, then age. */
  async exportCsv(
    connectionId: string,
    sopInstanceUids: readonly string[],
    fileName?: string,
  ): Promise<MeasurementCsvExport> {
    const order = new Map(sopInstanceUids.map((uid, i) => [uid, i]));
    const rows = this.store
      .list(connectionId, sopInstanceUids)
      .sort(
        (a, b) =>
          (order.get(a.sopInstanceUid) ?? 0) - (order.get(b.sopInstanceUid) ?? 0) ||
          a.frame - b.frame ||
          a.createdAt - b.createdAt,
      );
    if (rows.length === 0) {
      throw new ServiceError('invalid-arguments', 'There are no measurements to export here');
    }
    const csv = measurementsCsv(rows);
    const suggested = `${(fileName ?? `measurements-${timestamp(new Date(this.now()))}`).trim()}.csv`;
    const dialogs = this.options.dialogs;
    if (dialogs) {
      const picked = await dialogs.saveFile(suggested, CSV_FILTER);
      if (!picked) return { fileName: suggested, count: rows.length, canceled: true };
      await writeFileAtomic(picked, csv);
      return { fileName: basename(picked), count: rows.length, path: picked };
    }
    await mkdir(this.options.exportsDir, { recursive: true });
    const name = await freeName(this.options.exportsDir, suggested);
    const path = join(this.options.exportsDir, name);
    await writeFileAtomic(path, csv);
    return { fileName: name, count: rows.length, path, csv };
  }
}
