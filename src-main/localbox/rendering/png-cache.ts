/**
 * A bounded cache of rendered PNGs (`GET /images/{id}/png`, BEHAVIOR.md §10.7), so that the same image asked
 * for again with the same parameters is answered without rendering it again.
 *
 * - Key: the image id, the **identity of the stored file that was rendered** (inode, size, modification and
 *   change times in nanoseconds, from the descriptor the worker read it through) and every rendering
 *   parameter. Stored files are never written in place: an overwrite renames a new file (a new inode) over the
 *   name. So an entry can only be found for the very file it was rendered from, whatever happens to the name.
 * - Invalidation: `forget(imageId)` drops every entry of an image (called when an image is overwritten or
 *   deleted, and when a request finds the file changed), so stale entries do not wait to be evicted.
 * - Bound: at most `maxBytes` of PNGs in all (default 32 MiB; ~300 PNGs of a 512×512 CT slice), none larger
 *   than `maxEntryBytes` (default 4 MiB); the least recently used entries go first.
 */

/** What identifies one version of a stored file (fstat of the descriptor it was read through). */
export interface FileIdentity {
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

export interface PngCacheOptions {
  maxBytes: number;
  maxEntryBytes: number;
}

export const DEFAULT_PNG_CACHE: Readonly<PngCacheOptions> = {
  maxBytes: 32 * 1024 * 1024,
  maxEntryBytes: 4 * 1024 * 1024,
};

export function identityKey(id: FileIdentity): string {
  return `${id.ino}:${id.size}:${id.mtimeNs}:${id.ctimeNs}`;
}

export class PngCache {
  /** Insertion order is recency order: a hit is moved to the end, eviction takes from the front. */
  private readonly entries = new Map<string, { imageId: number; png: Uint8Array }>();
  private bytes = 0;

  constructor(private readonly options: Readonly<PngCacheOptions> = DEFAULT_PNG_CACHE) {}

  private static key(imageId: number, file: string, params: string): string {
    return `${imageId}|${file}|${params}`;
  }

  get(imageId: number, file: FileIdentity, params: string): Uint8Array | undefined {
    const key = PngCache.key(imageId, identityKey(file), params);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.png;
  }

  set(imageId: number, file: FileIdentity, params: string, png: Uint8Array): void {
    if (png.byteLength > this.options.maxEntryBytes) return;
    const key = PngCache.key(imageId, identityKey(file), params);
    const old = this.entries.get(key);
    if (old) {
      this.bytes -= old.png.byteLength;
      this.entries.delete(key);
    }
    this.entries.set(key, { imageId, png });
    this.bytes += png.byteLength;
    for (const [k, e] of this.entries) {
      if (this.bytes <= this.options.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.png.byteLength;
    }
  }

  /** Drops every entry of these images (overwritten, deleted, or their file changed). */
  forget(imageIds: Iterable<number>): void {
    const ids = new Set(imageIds);
    if (ids.size === 0) return;
    for (const [k, e] of this.entries) {
      if (!ids.has(e.imageId)) continue;
      this.entries.delete(k);
      this.bytes -= e.png.byteLength;
    }
  }

  /** Entries of an image other than the given version of its file. */
  forgetOtherVersions(imageId: number, file: FileIdentity): void {
    const prefix = `${imageId}|${identityKey(file)}|`;
    for (const [k, e] of this.entries) {
      if (e.imageId !== imageId || k.startsWith(prefix)) continue;
      this.entries.delete(k);
      this.bytes -= e.png.byteLength;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.bytes;
  }
}
