/**
 * Series tags (BEHAVIOR.md §9.4, §9.8): global named tags and their links to series. Tags are never deleted
 * automatically; links go with their series (foreign key cascade).
 */
import type { Database } from 'better-sqlite3';
import { InvalidArgument, NotFound } from '../system/errors.js';

export interface SeriesTag {
  id: number;
  name: string;
}

/** Series tag names are unique and at most this long (Slicebox's column size). */
export const SERIES_TAG_NAME_MAX_LENGTH = 180;

export interface SeriesTagListOptions {
  startIndex: number;
  count: number;
  /** Only `id` and `name` are honoured; anything else is ignored (BEHAVIOR.md §9.8). */
  orderBy?: string;
  orderAscending: boolean;
  /** Case-sensitive LIKE `%filter%` on the name; `%` and `_` stay wildcards. */
  filter?: string;
}

const ORDER: Record<string, string> = { id: 'id', name: 'name' };

function checkName(name: string): void {
  if (name.length === 0) throw new InvalidArgument('Series tag name must not be empty');
  if ([...name].length > SERIES_TAG_NAME_MAX_LENGTH) {
    throw new InvalidArgument(
      `Series tag name must be at most ${SERIES_TAG_NAME_MAX_LENGTH} characters long`,
    );
  }
}

function duplicate(name: string): InvalidArgument {
  return new InvalidArgument(`A series tag with name ${name} already exists`);
}

export class SeriesTagStore {
  constructor(private readonly db: Database) {}

  list(o: SeriesTagListOptions): SeriesTag[] {
    const column =
      o.orderBy !== undefined && Object.hasOwn(ORDER, o.orderBy) ? ORDER[o.orderBy] : undefined;
    const order = column
      ? `ORDER BY ${column} ${o.orderAscending ? 'ASC' : 'DESC'}, id`
      : 'ORDER BY id';
    const filtered = o.filter !== undefined && o.filter !== '';
    return this.db
      .prepare(
        `SELECT id, name FROM series_tags ${filtered ? 'WHERE sbx_like(name, ?)' : ''} ${order} LIMIT ? OFFSET ?`,
      )
      .all(...(filtered ? [`%${o.filter}%`] : []), o.count, o.startIndex) as SeriesTag[];
  }

  get(id: number): SeriesTag | undefined {
    return this.db.prepare('SELECT id, name FROM series_tags WHERE id = ?').get(id) as
      SeriesTag | undefined;
  }

  byName(name: string): SeriesTag | undefined {
    return this.db.prepare('SELECT id, name FROM series_tags WHERE name = ?').get(name) as
      SeriesTag | undefined;
  }

  /** Creates a tag; a duplicate name is an invalid argument. */
  create(name: string): SeriesTag {
    checkName(name);
    return this.db.transaction(() => {
      if (this.byName(name)) throw duplicate(name);
      const id = Number(
        this.db.prepare('INSERT INTO series_tags (name) VALUES (?)').run(name).lastInsertRowid,
      );
      return { id, name };
    })();
  }

  /** Renames a tag; undefined when there is no such tag. */
  update(id: number, name: string): SeriesTag | undefined {
    checkName(name);
    return this.db.transaction(() => {
      const other = this.byName(name);
      if (other && other.id !== id) throw duplicate(name);
      const changes = this.db
        .prepare('UPDATE series_tags SET name = ? WHERE id = ?')
        .run(name, id).changes;
      return changes > 0 ? { id, name } : undefined;
    })();
  }

  /** Deletes a tag and its links to series. */
  delete(id: number): void {
    this.db.prepare('DELETE FROM series_tags WHERE id = ?').run(id);
  }

  ofSeries(seriesId: number): SeriesTag[] {
    return this.db
      .prepare(
        `SELECT t.id, t.name FROM series_series_tags sst JOIN series_tags t ON t.id = sst.series_tag_id
         WHERE sst.series_id = ? ORDER BY t.id`,
      )
      .all(seriesId) as SeriesTag[];
  }

  /** Links the tag named `name` (created when missing) to the series; idempotent. Unknown series → NotFound. */
  addToSeries(seriesId: number, name: string): SeriesTag {
    checkName(name);
    return this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM series WHERE id = ?').get(seriesId))
        throw new NotFound('Series not found');
      const tag = this.byName(name) ?? this.create(name);
      this.db
        .prepare(
          'INSERT OR IGNORE INTO series_series_tags (series_id, series_tag_id) VALUES (?, ?)',
        )
        .run(seriesId, tag.id);
      return tag;
    })();
  }

  removeFromSeries(seriesId: number, tagId: number): void {
    this.db
      .prepare('DELETE FROM series_series_tags WHERE series_id = ? AND series_tag_id = ?')
      .run(seriesId, tagId);
  }
}
