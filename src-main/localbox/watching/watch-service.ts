/**
 * Directory watches (BEHAVIOR.md §15): creating and deleting watches with Slicebox's checks and messages, and one
 * running `DirectoryWatcher` per row from engine open to close.
 *
 * Creation checks, in Slicebox's order:
 * 1. a watch of exactly this path string exists → same name: that watch is returned (not created); other name →
 *    400 `Directory watch <name> already watches directory <path>`;
 * 2. the path is not an existing directory → 400 `Could not create directory watch: Not a directory: <path>`;
 * 3. the directory is, contains or lies inside the engine's data directory → 400
 *    `The storage directory may not be watched.` (Slicebox's message; it only compared with the storage folder,
 *    we refuse any overlap: watching the data folder would re-import the engine's own files);
 * 4. the directory is inside, or contains, a watched directory → 400
 *    `Directory intersects existing directory <other path>`. Paths are compared as resolved real paths
 *    (symbolic links, `..`, trailing separators), component-wise (`/a/b` does not contain `/a/bc`).
 * The checks and the insert run synchronously, so two concurrent requests cannot both pass them.
 */
import { realpathSync, statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import type { WatchedDirectory } from '../../slicebox/types.js';
import { InvalidArgument } from '../system/errors.js';
import { DEFAULT_WATCH_OPTIONS, DirectoryWatcher } from './directory-watcher.js';
import type { WatchOptions, WatcherDeps } from './directory-watcher.js';
import type { WatchStore } from './watch-store.js';

/** Files imported at a time over all watches. */
export const WATCH_IMPORT_CONCURRENCY = 2;

/** A directory's canonical path, or undefined when the path is not an existing directory. */
function realDirectory(path: string): string | undefined {
  try {
    const real = realpathSync.native(resolve(path));
    return statSync(real).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

/** The canonical form of a path that may no longer exist (then just resolved). */
function canonical(path: string): string {
  try {
    return realpathSync.native(resolve(path));
  } catch {
    return resolve(path);
  }
}

/** `a` equals `b` or lies under it, comparing whole path components. */
export function isWithin(a: string, b: string): boolean {
  if (a === b) return true;
  const prefix = b.endsWith(sep) ? b : b + sep;
  return a.startsWith(prefix);
}

export function intersects(a: string, b: string): boolean {
  return isWithin(a, b) || isWithin(b, a);
}

/** A counting semaphore: at most `max` tasks run at a time, the others wait in arrival order. */
export class Limiter {
  private runningCount = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.runningCount >= this.max) {
      await new Promise<void>((r) => this.waiting.push(r));
    } else {
      this.runningCount++;
    }
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter (the count stays), or free it.
      const next = this.waiting.shift();
      if (next) next();
      else this.runningCount--;
    }
  }
}

export interface WatchServiceDeps extends Omit<WatcherDeps, 'limit' | 'store'> {
  /** The engine's data directory, which may not be watched. */
  dataDir: string;
}

export class DirectoryWatchService {
  readonly options: WatchOptions;
  private readonly watchers = new Map<number, DirectoryWatcher>();
  private readonly limiter = new Limiter(WATCH_IMPORT_CONCURRENCY);

  constructor(
    readonly store: WatchStore,
    private readonly deps: WatchServiceDeps,
    options: Partial<WatchOptions> = {},
  ) {
    this.options = { ...DEFAULT_WATCH_OPTIONS, ...options };
  }

  list(startIndex: number, count: number): WatchedDirectory[] {
    return this.store.list(startIndex, count);
  }

  all(): WatchedDirectory[] {
    return this.store.all();
  }

  /** §15 creation (checks in the header); a new watch starts importing at once. */
  add(input: { name: string; path: string }): { watch: WatchedDirectory; created: boolean } {
    const existing = this.store.byPath(input.path);
    if (existing) {
      if (existing.name === input.name) return { watch: existing, created: false };
      throw new InvalidArgument(
        `Directory watch ${existing.name} already watches directory ${input.path}`,
      );
    }
    const real = realDirectory(input.path);
    if (real === undefined)
      throw new InvalidArgument(`Could not create directory watch: Not a directory: ${input.path}`);
    if (intersects(real, canonical(this.deps.dataDir)))
      throw new InvalidArgument('The storage directory may not be watched.');
    for (const other of this.store.all()) {
      if (intersects(real, canonical(other.path)))
        throw new InvalidArgument(`Directory intersects existing directory ${other.path}`);
    }
    const watch = this.store.insert(input.name, input.path);
    this.startWatcher(watch);
    return { watch, created: true };
  }

  /** Deletes the row (file records and filter associations go with it) and stops its watcher. */
  async delete(id: number): Promise<void> {
    this.store.delete(id);
    const watcher = this.watchers.get(id);
    this.watchers.delete(id);
    await watcher?.stop();
  }

  /** At engine open: watches whose directory no longer exists are deleted (logged), the others start. */
  startAll(): void {
    for (const watch of this.store.all()) {
      if (realDirectory(watch.path) === undefined) {
        this.store.delete(watch.id);
        this.deps.log(
          'WARN',
          `Directory watch ${watch.name} (id ${watch.id}) deleted at start-up: ${watch.path} is no longer a directory`,
        );
        continue;
      }
      this.startWatcher(watch);
    }
  }

  /** Stops every watcher, waiting (bounded) for the files being imported right now. */
  async stopAll(): Promise<void> {
    const watchers = [...this.watchers.values()];
    this.watchers.clear();
    await Promise.all(watchers.map((w) => w.stop()));
  }

  private startWatcher(watch: WatchedDirectory): void {
    const watcher = new DirectoryWatcher(
      watch,
      {
        store: this.store,
        files: this.deps.files,
        ingest: this.deps.ingest,
        log: this.deps.log,
        limit: (task) => this.limiter.run(task),
      },
      this.options,
    );
    this.watchers.set(watch.id, watcher);
    watcher.start();
  }
}
