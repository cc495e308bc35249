/**
 * Tag filters, their tag paths and their source associations (BEHAVIOR.md §19). Tag paths and associations go
 * with their filter; associations of a deleted user or import session are removed by database triggers (§6.4).
 */
import type { Database } from 'better-sqlite3';
import { InvalidArgument, NotFound } from '../system/errors.js';
import { parseTagTree, tagTreeJson } from './tag-tree.js';
import type { TagTreeJson, TreeStep } from './tag-tree.js';

export type TagFilterType = 'WHITELIST' | 'BLACKLIST';
export const TAG_FILTER_TYPES: readonly TagFilterType[] = ['WHITELIST', 'BLACKLIST'];

export interface TagFilter {
  id: number;
  name: string;
  tagFilterType: TagFilterType;
}

export interface TagFilterTagPath {
  id: number;
  tagFilterId: number;
  tagPath: TagTreeJson;
}

export interface SourceTagFilter {
  id: number;
  sourceType: string;
  sourceName: string;
  sourceId: number;
  tagFilterId: number;
  tagFilterName: string;
}

/** The filters that apply to one source, ready for ingestion. */
export interface SourceFilters {
  blacklists: TreeStep[][];
  whitelists: TreeStep[][];
}

interface FilterRow {
  id: number;
  name: string;
  tag_filter_type: TagFilterType;
}

interface TagPathRow {
  id: number;
  tag_filter_id: number;
  tag_tree: string;
}

interface AssociationRow {
  id: number;
  source_type: string;
  source_name: string;
  source_id: number;
  tag_filter_id: number;
  tag_filter_name: string;
}

const toFilter = (r: FilterRow): TagFilter => ({
  id: r.id,
  name: r.name,
  tagFilterType: r.tag_filter_type,
});

const toTagPath = (r: TagPathRow): TagFilterTagPath => ({
  id: r.id,
  tagFilterId: r.tag_filter_id,
  tagPath: tagTreeJson(JSON.parse(r.tag_tree) as TreeStep[]),
});

const toAssociation = (r: AssociationRow): SourceTagFilter => ({
  id: r.id,
  sourceType: r.source_type,
  sourceName: r.source_name,
  sourceId: r.source_id,
  tagFilterId: r.tag_filter_id,
  tagFilterName: r.tag_filter_name,
});

export class FilterStore {
  constructor(private readonly db: Database) {}

  filters(startIndex: number, count: number): TagFilter[] {
    return (
      this.db
        .prepare('SELECT * FROM tag_filters ORDER BY id LIMIT ? OFFSET ?')
        .all(count, startIndex) as FilterRow[]
    ).map(toFilter);
  }

  filter(id: number): TagFilter | undefined {
    const r = this.db.prepare('SELECT * FROM tag_filters WHERE id = ?').get(id) as
      FilterRow | undefined;
    return r && toFilter(r);
  }

  createFilter(name: string, type: TagFilterType): TagFilter {
    const id = Number(
      this.db
        .prepare('INSERT INTO tag_filters (name, tag_filter_type) VALUES (?, ?)')
        .run(name, type).lastInsertRowid,
    );
    return { id, name, tagFilterType: type };
  }

  /** Deletes a filter with its tag paths and source associations. */
  deleteFilter(id: number): void {
    this.db.prepare('DELETE FROM tag_filters WHERE id = ?').run(id);
  }

  tagPaths(filterId: number, startIndex: number, count: number): TagFilterTagPath[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM tag_filter_tag_paths WHERE tag_filter_id = ? ORDER BY id LIMIT ? OFFSET ?',
        )
        .all(filterId, count, startIndex) as TagPathRow[]
    ).map(toTagPath);
  }

  /** Adds a tag tree to a filter (duplicates allowed); unknown filter → NotFound. */
  addTagPath(filterId: number, tree: TagTreeJson): TagFilterTagPath {
    const steps = parseTagTree(tree);
    return this.db.transaction(() => {
      if (!this.filter(filterId)) throw new NotFound('Tag filter not found');
      const id = Number(
        this.db
          .prepare('INSERT INTO tag_filter_tag_paths (tag_filter_id, tag_tree) VALUES (?, ?)')
          .run(filterId, JSON.stringify(steps)).lastInsertRowid,
      );
      return { id, tagFilterId: filterId, tagPath: tagTreeJson(steps) };
    })();
  }

  deleteTagPath(filterId: number, tagPathId: number): void {
    this.db
      .prepare('DELETE FROM tag_filter_tag_paths WHERE id = ? AND tag_filter_id = ?')
      .run(tagPathId, filterId);
  }

  associations(startIndex: number, count: number): SourceTagFilter[] {
    return (
      this.db
        .prepare('SELECT * FROM source_tag_filters ORDER BY id LIMIT ? OFFSET ?')
        .all(count, startIndex) as AssociationRow[]
    ).map(toAssociation);
  }

  /** Stores an association as given (names are not checked); the filter must exist. */
  addAssociation(a: Omit<SourceTagFilter, 'id'>): SourceTagFilter {
    return this.db.transaction(() => {
      if (!this.filter(a.tagFilterId))
        throw new InvalidArgument(`Tag filter with id ${a.tagFilterId} does not exist`);
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO source_tag_filters (source_type, source_name, source_id, tag_filter_id, tag_filter_name)
             VALUES (?, ?, ?, ?, ?)`,
          )
          .run(a.sourceType, a.sourceName, a.sourceId, a.tagFilterId, a.tagFilterName)
          .lastInsertRowid,
      );
      return { id, ...a };
    })();
  }

  deleteAssociation(id: number): void {
    this.db.prepare('DELETE FROM source_tag_filters WHERE id = ?').run(id);
  }

  /** Removes every association of a source (BEHAVIOR.md §6.4; users and import sessions use triggers). */
  sourceDeleted(sourceType: string, sourceId: number): void {
    this.db
      .prepare('DELETE FROM source_tag_filters WHERE source_type = ? AND source_id = ?')
      .run(sourceType, sourceId);
  }

  /**
   * The tag trees of every filter associated with the source, by filter type. A whitelist without tag paths
   * contributes nothing (it does not drop every element).
   */
  forSource(sourceType: string, sourceId: number): SourceFilters {
    const rows = this.db
      .prepare(
        `SELECT f.tag_filter_type AS type, p.tag_tree AS tree
         FROM source_tag_filters a JOIN tag_filters f ON f.id = a.tag_filter_id
         JOIN tag_filter_tag_paths p ON p.tag_filter_id = f.id
         WHERE a.source_type = ? AND a.source_id = ? ORDER BY p.id`,
      )
      .all(sourceType, sourceId) as Array<{ type: TagFilterType; tree: string }>;
    const out: SourceFilters = { blacklists: [], whitelists: [] };
    for (const r of rows) {
      const steps = JSON.parse(r.tree) as TreeStep[];
      (r.type === 'WHITELIST' ? out.whitelists : out.blacklists).push(steps);
    }
    return out;
  }
}
