/**
 * What the browser counted inside studies and series, per connection (migration 004): kept so the rows
 * still say what is inside when the server is gone. Each count replaces the one before it; counts of ids
 * the server no longer knows are dropped.
 */
import type { SeriesContents, StudyContents } from '../../../src-preload/contract.js';
import type { CacheDb } from './cache-db.js';

export type ContentsKind = 'study' | 'series';

interface ContentsOf {
  study: StudyContents;
  series: SeriesContents;
}

export interface CachedContents<T> {
  contents: T;
  countedAt: number;
}

interface Row {
  entity_id: number;
  contents: string;
  counted_at: number;
}

export class ContentsCache {
  constructor(
    private readonly db: CacheDb,
    private readonly now: () => number = Date.now,
  ) {}

  /** Keeps these counts (one transaction), replacing earlier ones of the same ids. */
  store<K extends ContentsKind>(
    connectionId: string,
    kind: K,
    items: readonly ContentsOf[K][],
  ): void {
    if (items.length === 0) return;
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO browse_contents (connection_id, kind, entity_id, contents, counted_at)
       VALUES (?, ?, ?, ?, ?)`,
    );
    const at = this.now();
    this.db.transaction(() => {
      for (const item of items) insert.run(connectionId, kind, item.id, JSON.stringify(item), at);
    })();
  }

  /** The counts kept for these ids (those never counted are left out). */
  lookup<K extends ContentsKind>(
    connectionId: string,
    kind: K,
    ids: readonly number[],
  ): CachedContents<ContentsOf[K]>[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(
        `SELECT entity_id, contents, counted_at FROM browse_contents
          WHERE connection_id = ? AND kind = ? AND entity_id IN (SELECT value FROM json_each(?))`,
      )
      .all(connectionId, kind, JSON.stringify(ids)) as Row[];
    const byId = new Map(rows.map((row) => [row.entity_id, row]));
    const out: CachedContents<ContentsOf[K]>[] = [];
    for (const id of ids) {
      const row = byId.get(id);
      if (row)
        out.push({
          contents: JSON.parse(row.contents) as ContentsOf[K],
          countedAt: row.counted_at,
        });
    }
    return out;
  }

  /** Drops the counts of ids the server no longer has. */
  remove(connectionId: string, kind: ContentsKind, ids: readonly number[]): void {
    if (ids.length === 0) return;
    this.db
      .prepare(
        `DELETE FROM browse_contents
          WHERE connection_id = ? AND kind = ? AND entity_id IN (SELECT value FROM json_each(?))`,
      )
      .run(connectionId, kind, JSON.stringify(ids));
  }

  /** Forgets everything counted on a connection (when it is removed, or its URL or user changes). */
  forget(connectionId: string): void {
    this.db.prepare('DELETE FROM browse_contents WHERE connection_id = ?').run(connectionId);
  }
}
