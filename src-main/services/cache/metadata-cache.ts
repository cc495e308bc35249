/**
 * Metadata already seen, per connection: every page a browse call fetched is kept as a snapshot
 * (rows as JSON) keyed by connection + level + list key (parent id, filter, order) + page params, with
 * the time it was fetched. When the server is gone, a page is answered from the freshest snapshot of
 * the same list that covers the asked start index (a refresh asks a different count than the first
 * load did, so an exact-key match alone would miss).
 */
import type { CacheDb } from './cache-db.js';

export type MetadataLevel = 'patients' | 'studies' | 'series' | 'images';

export interface PageKey {
  connectionId: string;
  level: MetadataLevel;
  /** Identifies one list: the parent id, or for patients the filter and order. */
  listKey: string;
  startIndex: number;
  count: number;
}

export interface CachedPage<T> {
  items: T[];
  startIndex: number;
  hasMore: boolean;
  fetchedAt: number;
}

interface Row {
  start_index: number;
  count: number;
  items: string;
  has_more: number;
  fetched_at: number;
}

export class MetadataCache {
  constructor(
    private readonly db: CacheDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps one fetched page, replacing the earlier snapshot of the same key. */
  store<T>(key: PageKey, page: { items: T[]; hasMore: boolean }): void {
    this.db
      .prepare(
        `INSERT OR REPLACE INTO metadata_pages
           (connection_id, level, list_key, start_index, count, items, has_more, fetched_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        key.connectionId,
        key.level,
        key.listKey,
        key.startIndex,
        key.count,
        JSON.stringify(page.items),
        page.hasMore ? 1 : 0,
        this.now(),
      );
  }

  /** The rows seen for this page, or undefined when no snapshot covers its start index. */
  lookup<T>(key: PageKey): CachedPage<T> | undefined {
    const rows = this.db
      .prepare(
        `SELECT start_index, count, items, has_more, fetched_at FROM metadata_pages
          WHERE connection_id = ? AND level = ? AND list_key = ? AND start_index <= ?
          ORDER BY fetched_at DESC, count DESC`,
      )
      .all(key.connectionId, key.level, key.listKey, key.startIndex) as Row[];
    for (const row of rows) {
      const items = JSON.parse(row.items) as T[];
      const offset = key.startIndex - row.start_index;
      // A snapshot covers the start when it holds that row, or when it is the (possibly empty) end
      // of the list exactly there.
      const covers = offset < items.length || (offset === items.length && row.has_more === 0);
      if (!covers) continue;
      const slice = items.slice(offset, offset + key.count);
      const hasMore = offset + key.count < items.length || row.has_more === 1;
      return { items: slice, startIndex: key.startIndex, hasMore, fetchedAt: row.fetched_at };
    }
    return undefined;
  }

  /** Forgets everything seen on a connection (when it is removed, or its URL changes). */
  forget(connectionId: string): void {
    this.db.prepare('DELETE FROM metadata_pages WHERE connection_id = ?').run(connectionId);
  }

  /** Drops snapshots older than the given age, to keep the cache from growing without end. */
  prune(maxAgeMs: number): number {
    return this.db
      .prepare('DELETE FROM metadata_pages WHERE fetched_at < ?')
      .run(this.now() - maxAgeMs).changes;
  }
}
