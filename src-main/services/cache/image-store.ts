/**
 * The size-bounded store of fetched images (DICOM files and rendered PNGs) in `<dataDir>/image-cache/`.
 * A file is written to a temporary name, flushed and renamed into place before its index row is
 * committed; reading touches `last_used`; after every write the least recently used files are evicted
 * until the store is within its bound. At open, temporary files and rows without a file are cleaned up.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheDb } from './cache-db.js';

export type ImageKind = 'dicom' | 'png';

export interface ImageKey {
  connectionId: string;
  imageId: number;
  kind: ImageKind;
  /** Distinguishes renderings of one image (e.g. PNG window/size parameters); '' for DICOM. */
  variant?: string;
}

export interface StoredImage {
  path: string;
  size: number;
  storedAt: number;
}

export interface ImageStoreOptions {
  /** Upper bound of the bytes kept; default 2 GiB. */
  maxBytes?: number;
  now?: () => number;
}

export const DEFAULT_IMAGE_STORE_BYTES = 2 * 1024 ** 3;

interface Row {
  connection_id: string;
  image_id: number;
  kind: string;
  variant: string;
  path: string;
  size: number;
  stored_at: number;
}

export class ImageStore {
  readonly maxBytes: number;
  private readonly now: () => number;

  constructor(
    private readonly db: CacheDb,
    readonly dir: string,
    options: ImageStoreOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_IMAGE_STORE_BYTES;
    this.now = options.now ?? Date.now;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.reconcile();
  }

  /** Stores the bytes of one image (replacing an earlier copy) and evicts to the bound. */
  async put(key: ImageKey, bytes: Uint8Array): Promise<StoredImage> {
    const name = fileName(key);
    const path = join(this.dir, name);
    const temp = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    const at = this.now();
    this.db
      .prepare(
        `INSERT OR REPLACE INTO image_store
           (connection_id, image_id, kind, variant, path, size, stored_at, last_used)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key.connectionId,
        key.imageId,
        key.kind,
        key.variant ?? '',
        name,
        bytes.byteLength,
        at,
        at,
      );
    await this.evict();
    return { path, size: bytes.byteLength, storedAt: at };
  }

  /** The stored copy, touched as just used; undefined when not stored (or its file is gone). */
  get(key: ImageKey): StoredImage | undefined {
    const row = this.db
      .prepare(
        `SELECT path, size, stored_at FROM image_store
          WHERE connection_id = ? AND image_id = ? AND kind = ? AND variant = ?`,
      )
      .get(key.connectionId, key.imageId, key.kind, key.variant ?? '') as Row | undefined;
    if (!row) return undefined;
    const path = join(this.dir, row.path);
    if (!existsSync(path)) {
      this.db.prepare('DELETE FROM image_store WHERE path = ?').run(row.path);
      return undefined;
    }
    this.db
      .prepare('UPDATE image_store SET last_used = ? WHERE path = ?')
      .run(this.now(), row.path);
    return { path, size: row.size, storedAt: row.stored_at };
  }

  /** Total bytes currently stored. */
  totalBytes(): number {
    const row = this.db
      .prepare('SELECT COALESCE(SUM(size), 0) AS total FROM image_store')
      .get() as {
      total: number;
    };
    return row.total;
  }

  /** Removes every image of a connection. */
  async forget(connectionId: string): Promise<void> {
    const rows = this.db
      .prepare('SELECT path FROM image_store WHERE connection_id = ?')
      .all(connectionId) as Pick<Row, 'path'>[];
    this.db.prepare('DELETE FROM image_store WHERE connection_id = ?').run(connectionId);
    await Promise.all(rows.map((row) => rm(join(this.dir, row.path), { force: true })));
  }

  /** Evicts least recently used images until the store is within `maxBytes`. Returns bytes freed. */
  async evict(maxBytes = this.maxBytes): Promise<number> {
    let total = this.totalBytes();
    if (total <= maxBytes) return 0;
    const rows = this.db
      .prepare('SELECT path, size FROM image_store ORDER BY last_used ASC, stored_at ASC')
      .all() as Pick<Row, 'path' | 'size'>[];
    const victims: string[] = [];
    let freed = 0;
    for (const row of rows) {
      if (total <= maxBytes) break;
      victims.push(row.path);
      total -= row.size;
      freed += row.size;
    }
    const remove = this.db.prepare('DELETE FROM image_store WHERE path = ?');
    this.db.transaction(() => {
      for (const path of victims) remove.run(path);
    })();
    await Promise.all(victims.map((path) => rm(join(this.dir, path), { force: true })));
    return freed;
  }

  /** Removes temporary files of interrupted writes, rows whose file is gone, and unindexed files. */
  private reconcile(): void {
    const files = new Set(readdirSync(this.dir));
    const rows = this.db.prepare('SELECT path FROM image_store').all() as Pick<Row, 'path'>[];
    const indexed = new Set<string>();
    const remove = this.db.prepare('DELETE FROM image_store WHERE path = ?');
    this.db.transaction(() => {
      for (const row of rows) {
        if (files.has(row.path)) indexed.add(row.path);
        else remove.run(row.path);
      }
    })();
    for (const file of files) {
      if (indexed.has(file)) continue;
      const path = join(this.dir, file);
      try {
        if (statSync(path).isFile()) rmSync(path, { force: true });
      } catch {
        // already gone
      }
    }
  }
}

/** A file name that depends only on the key (connection ids may hold any character). */
function fileName(key: ImageKey): string {
  const digest = createHash('sha256')
    .update(`${key.connectionId}\0${key.imageId}\0${key.kind}\0${key.variant ?? ''}`)
    .digest('hex')
    .slice(0, 32);
  return `${digest}.${key.kind === 'png' ? 'png' : 'dcm'}`;
}
