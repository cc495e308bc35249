/**
 * One directory watch at work (BEHAVIOR.md §15): imports every regular file under the directory (recursively) at
 * start, then polls the tree for created or modified files and imports those.
 *
 * Why chokidar (5, ESM): it is the well-kept, cross-platform file watcher of the Node ecosystem; its polling mode
 * (`usePolling`, stat-based like Slicebox's 5 s poll) also works on network shares where native change
 * notifications do not arrive, it walks new subdirectories by itself, and `awaitWriteFinish` holds a file back
 * until its size stopped changing for `stableMs` — the "file is complete" rule users ask for (slicebox#209: a
 * watch picking up half-copied files logged "Not a DICOM stream" although the copy later completed).
 *
 * Per file (at most `concurrency` files at a time over all watches, see watch-service.ts):
 * 1. stat; skip when this version (size, mtime) was already handled (`directory_watch_files`, migration 007), so
 *    a restart re-imports nothing unchanged and a rejected file is logged once, not on every poll or restart;
 * 2. copy the file into the store's temp folder (the user's file is never moved or changed before the store
 *    committed); if the file changed meanwhile the copy is dropped — the poll reports the change and the newer
 *    version is handled then;
 * 3. ingest (§6) with source `{directory, <name>, <id>}`, image-data SOP classes only, reverse anonymization on;
 * 4. success → record `imported`, or delete the file when `deleteOnImport` (and forget it); failure → record
 *    `rejected` and write one ERROR log row (subject `Directory`, relative path + reason); the file stays.
 *
 * chokidar's polling reads a directory before it takes the baseline for polling it, so a file created in that
 * window raises no event; and its `awaitWriteFinish` only applies after the initial scan. Hence two additions:
 * files of the initial scan wait for their size and mtime to settle here, and every 6 polls (30 s by default)
 * the tree is swept for files whose current version was not handled (see `sweep`).
 *
 * Ignored (never imported, never logged): names starting with a dot (and everything under such folders, e.g.
 * `.DS_Store`, `.git/`), `Thumbs.db`, `desktop.ini`, and names of files in flight (`~` suffix, `.tmp`, `.temp`,
 * `.part`, `.partial`, `.crdownload`, `.download`). Symbolic links are not followed (no cycles, and a link cannot
 * lead the watch into another watch's or the engine's own folders).
 */
import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { watch } from 'chokidar';
import type { FSWatcher } from 'chokidar';
import type { Source, WatchedDirectory } from '../../slicebox/types.js';
import type { FileStore } from '../storage/file-store.js';
import type { FileVersion, WatchStore } from './watch-store.js';

export interface WatchOptions {
  /** How often the tree is polled for created or modified files. Slicebox: 5 s. */
  pollMs: number;
  /** A file is imported once its size has not changed for this long. */
  stableMs: number;
  /** `directory-watch.delete-on-import` (§2): delete a file after it was imported. */
  deleteOnImport: boolean;
}

export const DEFAULT_WATCH_OPTIONS: WatchOptions = {
  pollMs: 5000,
  stableMs: 2000,
  deleteOnImport: false,
};

export type LogType = 'INFO' | 'WARN' | 'ERROR';

/** What a watcher needs from the engine. */
export interface WatcherDeps {
  store: WatchStore;
  files: FileStore;
  /** Stores a temp file of the store's temp folder (consumes it); resolves with the image id. */
  ingest(tempPath: string, source: Source): Promise<{ imageId: number }>;
  log(type: LogType, message: string): void;
  /** Bounds how many files are imported at a time (shared by all watches). */
  limit<T>(task: () => Promise<T>): Promise<T>;
}

/** The tree is swept for files chokidar missed every this many polls (30 s by default). */
const SWEEP_EVERY_POLLS = 6;

const IGNORED_NAMES = new Set(['thumbs.db', 'desktop.ini']);
const IN_FLIGHT_NAME = /(~|\.(tmp|temp|part|partial|crdownload|download))$/i;

/** True for paths under `root` that are never imported (see the header). The root itself is never ignored. */
export function isIgnoredPath(root: string, path: string): boolean {
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return false;
  const parts = rel.split(sep);
  if (parts.some((p) => p.startsWith('.'))) return true;
  const name = parts[parts.length - 1] ?? '';
  return IGNORED_NAMES.has(name.toLowerCase()) || IN_FLIGHT_NAME.test(name);
}

function reasonOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isMissing(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

function versionOf(st: Stats): FileVersion {
  return { size: st.size, mtimeMs: st.mtimeMs };
}

export class DirectoryWatcher {
  private readonly root: string;
  private readonly source: Source;
  private fsw: FSWatcher | undefined;
  private stopped = false;
  /** chokidar's initial scan is over (its `awaitWriteFinish` only holds back events from then on). */
  private ready = false;
  /** Files being handled or waiting for a slot; `again` = changed meanwhile, look once more afterwards. */
  private readonly active = new Map<string, { again: boolean }>();
  private readonly running = new Set<Promise<void>>();
  /** Watcher errors already logged (each distinct message once per watcher lifetime). */
  private readonly loggedErrors = new Set<string>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;

  constructor(
    readonly watch: WatchedDirectory,
    private readonly deps: WatcherDeps,
    private readonly options: WatchOptions,
  ) {
    this.root = resolve(watch.path);
    this.source = { sourceType: 'directory', sourceName: watch.name, sourceId: watch.id };
  }

  start(): void {
    const { pollMs } = this.options;
    const fsw = watch(this.root, {
      persistent: true,
      ignoreInitial: false,
      followSymlinks: false,
      usePolling: true,
      interval: pollMs,
      binaryInterval: pollMs,
      awaitWriteFinish: {
        stabilityThreshold: this.options.stableMs,
        pollInterval: this.stablePollMs(),
      },
      ignorePermissionErrors: true,
      ignored: (path: string) => isIgnoredPath(this.root, path),
    });
    fsw.on('add', (path) => this.schedule(path));
    fsw.on('change', (path) => this.schedule(path));
    fsw.on('unlink', (path) =>
      this.safely(() => this.deps.store.forget(this.watch.id, this.rel(path))),
    );
    fsw.on('ready', () => {
      this.ready = true;
      void this.pruneRecords().catch(() => undefined);
      this.sweepTimer = setInterval(
        () => void this.sweep(),
        this.options.pollMs * SWEEP_EVERY_POLLS,
      );
      this.sweepTimer.unref();
    });
    fsw.on('error', (e: unknown) => {
      const message = reasonOf(e);
      if (this.stopped || this.loggedErrors.has(message)) return;
      this.loggedErrors.add(message);
      this.deps.log('ERROR', `${this.label()}: watching ${this.watch.path} failed: ${message}`);
    });
    this.fsw = fsw;
  }

  /** Stops polling; waits (bounded) for files being imported right now. Queued files are not started. */
  async stop(maxWaitMs = 10_000): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    const closing = this.fsw?.close().catch(() => undefined);
    this.fsw = undefined;
    const settle = Promise.allSettled([closing, ...this.running]);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      settle,
      new Promise<void>((r) => {
        timer = setTimeout(r, maxWaitMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  /** How often a file's size is checked while waiting for it to settle. */
  private stablePollMs(): number {
    return Math.max(20, Math.min(500, Math.floor(this.options.stableMs / 4)));
  }

  private label(): string {
    return `Directory watch ${this.watch.name} (id ${this.watch.id})`;
  }

  private rel(path: string): string {
    return relative(this.root, path);
  }

  /** Runs a database action unless stopped; a closed database (engine closing) is not an error. */
  private safely(action: () => void): void {
    if (this.stopped) return;
    try {
      action();
    } catch {
      // The engine is closing.
    }
  }

  private schedule(path: string, settle = !this.ready): void {
    if (this.stopped) return;
    const entry = this.active.get(path);
    if (entry) {
      entry.again = true;
      return;
    }
    const mine = { again: false };
    this.active.set(path, mine);
    // chokidar applies `awaitWriteFinish` only after its initial scan; files found by the scan (which may be
    // being written right now, e.g. while the engine starts) and by the sweep are waited for here, outside the
    // import slots.
    const settled = settle ? this.waitUntilStable(path) : Promise.resolve();
    const task = settled
      .then(() =>
        this.deps.limit(async () => {
          do {
            mine.again = false;
            if (this.stopped) return;
            await this.handle(path);
          } while (mine.again);
        }),
      )
      .catch(() => undefined)
      .finally(() => {
        this.active.delete(path);
        this.running.delete(task);
      });
    this.running.add(task);
  }

  /**
   * Resolves once the file's size and modification time have not changed for `stableMs` (or it is gone, or was
   * already handled in this version — then there is nothing to wait for).
   */
  private async waitUntilStable(path: string): Promise<void> {
    let prev = await stat(path).catch(() => undefined);
    if (!prev?.isFile()) return;
    if (this.deps.store.isHandled(this.watch.id, this.rel(path), versionOf(prev))) return;
    let since = Date.now();
    while (!this.stopped) {
      await new Promise((r) => setTimeout(r, this.stablePollMs()));
      const cur = await stat(path).catch(() => undefined);
      if (!cur) return;
      if (cur.size !== prev.size || cur.mtimeMs !== prev.mtimeMs) {
        prev = cur;
        since = Date.now();
      } else if (Date.now() - since >= this.options.stableMs) {
        return;
      }
    }
  }

  private async handle(path: string): Promise<void> {
    const rel = this.rel(path);
    let before: Stats;
    try {
      before = await stat(path);
    } catch {
      return; // gone (the unlink event forgets it)
    }
    if (!before.isFile()) return;
    const version = versionOf(before);
    if (this.deps.store.isHandled(this.watch.id, rel, version)) return;

    let tempPath: string;
    try {
      tempPath = await this.deps.files.writeTemp(createReadStream(path));
    } catch (e) {
      if (!isMissing(e)) this.reject(rel, version, `could not be read: ${reasonOf(e)}`);
      return;
    }
    const after = await stat(path).catch(() => undefined);
    if (
      this.stopped ||
      !after ||
      after.size !== version.size ||
      after.mtimeMs !== version.mtimeMs
    ) {
      // Changed while copying (the poll reports the change and the new version is handled then) or stopping.
      await this.deps.files.discardTemp(tempPath);
      return;
    }

    let imageId: number;
    try {
      ({ imageId } = await this.deps.ingest(tempPath, this.source));
    } catch (e) {
      if (!this.stopped) this.reject(rel, version, reasonOf(e));
      return;
    }
    if (this.stopped) return;
    if (this.options.deleteOnImport) {
      try {
        await rm(path, { force: true });
        this.deps.store.forget(this.watch.id, rel);
        return;
      } catch (e) {
        this.deps.log(
          'WARN',
          `${this.label()}: file ${rel} was imported but could not be deleted: ${reasonOf(e)}`,
        );
      }
    }
    this.deps.store.recordHandled(this.watch.id, rel, version, { outcome: 'imported', imageId });
  }

  private reject(rel: string, version: FileVersion, reason: string): void {
    this.safely(() => {
      this.deps.store.recordHandled(this.watch.id, rel, version, { outcome: 'rejected', reason });
      this.deps.log('ERROR', `${this.label()}: file ${rel} rejected: ${reason}`);
    });
  }

  /**
   * The safety net for what chokidar's polling can miss: it reads a directory first and takes the baseline for
   * polling it afterwards, so a file created in between (e.g. while a folder tree is being copied in) raises no
   * event until the directory changes again. Every SWEEP_EVERY_POLLS polls the tree is walked and every file whose
   * current version was not handled (and is not being handled) is scheduled, after the usual wait for it to settle.
   */
  private async sweep(): Promise<void> {
    if (this.stopped || this.sweeping) return;
    this.sweeping = true;
    try {
      const dirs = [this.root];
      for (let dir = dirs.pop(); dir !== undefined && !this.stopped; dir = dirs.pop()) {
        const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
        for (const entry of entries) {
          const path = resolve(dir, entry.name);
          if (isIgnoredPath(this.root, path)) continue;
          if (entry.isDirectory()) dirs.push(path);
          else if (entry.isFile() && !this.active.has(path)) {
            const st = await stat(path).catch(() => undefined);
            if (st && !this.deps.store.isHandled(this.watch.id, this.rel(path), versionOf(st)))
              this.schedule(path, true);
          }
        }
      }
    } catch {
      // The engine is closing, or the tree changed under us: the next sweep tries again.
    } finally {
      this.sweeping = false;
    }
  }

  /** Forgets records of files deleted while the engine was not running. */
  private async pruneRecords(): Promise<void> {
    for (const rel of this.deps.store.recordedPaths(this.watch.id)) {
      if (this.stopped) return;
      try {
        await stat(resolve(this.root, rel));
      } catch (e) {
        if (isMissing(e)) this.safely(() => this.deps.store.forget(this.watch.id, rel));
      }
    }
  }
}
