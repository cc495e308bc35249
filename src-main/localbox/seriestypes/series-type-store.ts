/**
 * Series types, their rules and rule attributes, and the series ↔ type assignments (BEHAVIOR.md §9.4, §20).
 * Rules and attributes go with their type / rule, assignments with their type or series (foreign key cascades).
 */
import type { Database } from 'better-sqlite3';
import { InvalidArgument, NotFound } from '../system/errors.js';

export interface SeriesType {
  id: number;
  name: string;
}

export interface SeriesTypeRule {
  id: number;
  seriesTypeId: number;
}

export interface SeriesTypeRuleAttribute {
  id: number;
  seriesTypeRuleId: number;
  tag: number;
  name: string;
  /** Comma-separated decimal sequence tags leading to `tag` (item 1 of each); omitted at the root. */
  tagPath?: string;
  namePath?: string;
  values: string;
}

export interface SeriesIdSeriesType {
  seriesId: number;
  seriesType: SeriesType;
}

interface AttributeRow {
  id: number;
  series_type_rule_id: number;
  tag: number;
  name: string;
  tag_path: string | null;
  name_path: string | null;
  attribute_values: string;
}

/** Field order as BEHAVIOR.md §20 lists it; `tagPath`/`namePath` omitted when absent. */
function toAttribute(r: AttributeRow): SeriesTypeRuleAttribute {
  return {
    id: r.id,
    seriesTypeRuleId: r.series_type_rule_id,
    tag: r.tag,
    name: r.name,
    ...(r.tag_path !== null ? { tagPath: r.tag_path } : {}),
    ...(r.name_path !== null ? { namePath: r.name_path } : {}),
    values: r.attribute_values,
  };
}

/** A rule with its attributes, for evaluation. */
export interface RuleWithAttributes {
  seriesTypeId: number;
  attributes: SeriesTypeRuleAttribute[];
}

export class SeriesTypeStore {
  constructor(private readonly db: Database) {}

  // ------------------------------------------------------------------------------------------ types

  list(startIndex: number, count: number): SeriesType[] {
    return this.db
      .prepare('SELECT id, name FROM series_types ORDER BY id LIMIT ? OFFSET ?')
      .all(count, startIndex) as SeriesType[];
  }

  get(id: number): SeriesType | undefined {
    return this.db.prepare('SELECT id, name FROM series_types WHERE id = ?').get(id) as
      SeriesType | undefined;
  }

  create(name: string): SeriesType {
    return this.db.transaction(() => {
      if (this.db.prepare('SELECT 1 FROM series_types WHERE name = ?').get(name))
        throw new InvalidArgument(`A series type with name ${name} already exists`);
      const id = Number(
        this.db.prepare('INSERT INTO series_types (name) VALUES (?)').run(name).lastInsertRowid,
      );
      return { id, name };
    })();
  }

  /** Renames a type (no-op for an unknown id); a name used by another type is an invalid argument. */
  update(id: number, name: string): void {
    this.db.transaction(() => {
      const other = this.db.prepare('SELECT id FROM series_types WHERE name = ?').get(name) as
        { id: number } | undefined;
      if (other && other.id !== id)
        throw new InvalidArgument(`A series type with name ${name} already exists`);
      this.db.prepare('UPDATE series_types SET name = ? WHERE id = ?').run(name, id);
    })();
  }

  /** Deletes a type with its rules, their attributes and its assignments. */
  delete(id: number): void {
    this.db.prepare('DELETE FROM series_types WHERE id = ?').run(id);
  }

  // ------------------------------------------------------------------------------------------ rules

  rules(seriesTypeId: number): SeriesTypeRule[] {
    return this.db
      .prepare(
        'SELECT id, series_type_id AS seriesTypeId FROM series_type_rules WHERE series_type_id = ? ORDER BY id',
      )
      .all(seriesTypeId) as SeriesTypeRule[];
  }

  rule(id: number): SeriesTypeRule | undefined {
    return this.db
      .prepare('SELECT id, series_type_id AS seriesTypeId FROM series_type_rules WHERE id = ?')
      .get(id) as SeriesTypeRule | undefined;
  }

  createRule(seriesTypeId: number): SeriesTypeRule {
    return this.db.transaction(() => {
      if (!this.get(seriesTypeId))
        throw new InvalidArgument(`Series type with id ${seriesTypeId} does not exist`);
      const id = Number(
        this.db
          .prepare('INSERT INTO series_type_rules (series_type_id) VALUES (?)')
          .run(seriesTypeId).lastInsertRowid,
      );
      return { id, seriesTypeId };
    })();
  }

  deleteRule(id: number): void {
    this.db.prepare('DELETE FROM series_type_rules WHERE id = ?').run(id);
  }

  // ------------------------------------------------------------------------------------- attributes

  attributes(ruleId: number): SeriesTypeRuleAttribute[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM series_type_rule_attributes WHERE series_type_rule_id = ? ORDER BY id',
        )
        .all(ruleId) as AttributeRow[]
    ).map(toAttribute);
  }

  createAttribute(a: Omit<SeriesTypeRuleAttribute, 'id'>): SeriesTypeRuleAttribute {
    return this.db.transaction(() => {
      if (!this.rule(a.seriesTypeRuleId)) throw new NotFound('Series type rule not found');
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO series_type_rule_attributes (series_type_rule_id, tag, name, tag_path, name_path, attribute_values)
             VALUES (?, ?, ?, ?, ?, ?)`,
          )
          .run(a.seriesTypeRuleId, a.tag, a.name, a.tagPath ?? null, a.namePath ?? null, a.values)
          .lastInsertRowid,
      );
      return toAttribute(
        this.db
          .prepare('SELECT * FROM series_type_rule_attributes WHERE id = ?')
          .get(id) as AttributeRow,
      );
    })();
  }

  deleteAttribute(ruleId: number, attributeId: number): void {
    this.db
      .prepare('DELETE FROM series_type_rule_attributes WHERE id = ? AND series_type_rule_id = ?')
      .run(attributeId, ruleId);
  }

  /** Every rule with its attributes, grouped by series type id (types in id order). */
  allRules(): Map<number, RuleWithAttributes[]> {
    const byRule = new Map<number, RuleWithAttributes>();
    const byType = new Map<number, RuleWithAttributes[]>();
    for (const r of this.db
      .prepare('SELECT id, series_type_id FROM series_type_rules ORDER BY series_type_id, id')
      .all() as Array<{ id: number; series_type_id: number }>) {
      const rule: RuleWithAttributes = { seriesTypeId: r.series_type_id, attributes: [] };
      byRule.set(r.id, rule);
      const list = byType.get(r.series_type_id) ?? [];
      list.push(rule);
      byType.set(r.series_type_id, list);
    }
    for (const row of this.db
      .prepare('SELECT * FROM series_type_rule_attributes ORDER BY id')
      .all() as AttributeRow[]) {
      byRule.get(row.series_type_rule_id)?.attributes.push(toAttribute(row));
    }
    return byType;
  }

  // ------------------------------------------------------------------------------------ assignments

  ofSeries(seriesId: number): SeriesType[] {
    return this.db
      .prepare(
        `SELECT t.id, t.name FROM series_series_types sst JOIN series_types t ON t.id = sst.series_type_id
         WHERE sst.series_id = ? ORDER BY t.id`,
      )
      .all(seriesId) as SeriesType[];
  }

  /** Assigns a type to a series (idempotent); unknown series or type → NotFound. */
  assign(seriesId: number, seriesTypeId: number): void {
    this.db.transaction(() => {
      if (!this.db.prepare('SELECT 1 FROM series WHERE id = ?').get(seriesId))
        throw new NotFound('Series not found');
      if (!this.get(seriesTypeId)) throw new NotFound('Series type not found');
      this.db
        .prepare(
          'INSERT OR IGNORE INTO series_series_types (series_id, series_type_id) VALUES (?, ?)',
        )
        .run(seriesId, seriesTypeId);
    })();
  }

  unassign(seriesId: number, seriesTypeId: number): void {
    this.db
      .prepare('DELETE FROM series_series_types WHERE series_id = ? AND series_type_id = ?')
      .run(seriesId, seriesTypeId);
  }

  unassignAll(seriesId: number): void {
    this.db.prepare('DELETE FROM series_series_types WHERE series_id = ?').run(seriesId);
  }

  /** Replaces the assignments of an existing series with `typeIds` (nothing happens for a deleted series). */
  replaceAssignments(seriesId: number, typeIds: readonly number[]): void {
    this.db.transaction(() => {
      this.unassignAll(seriesId);
      const insert = this.db.prepare(
        `INSERT OR IGNORE INTO series_series_types (series_id, series_type_id)
         SELECT ?, ? WHERE EXISTS (SELECT 1 FROM series WHERE id = ?) AND EXISTS (SELECT 1 FROM series_types WHERE id = ?)`,
      );
      for (const t of typeIds) insert.run(seriesId, t, seriesId, t);
    })();
  }

  /** One entry per (listed series, assigned type); unknown ids contribute nothing. */
  query(seriesIds: readonly number[]): SeriesIdSeriesType[] {
    const out: SeriesIdSeriesType[] = [];
    const unique = [...new Set(seriesIds)];
    for (let i = 0; i < unique.length; i += 500) {
      const batch = unique.slice(i, i + 500);
      const rows = this.db
        .prepare(
          `SELECT sst.series_id, t.id, t.name FROM series_series_types sst JOIN series_types t ON t.id = sst.series_type_id
           WHERE sst.series_id IN (${batch.map(() => '?').join(', ')}) ORDER BY sst.series_id, t.id`,
        )
        .all(...batch) as Array<{ series_id: number; id: number; name: string }>;
      for (const r of rows)
        out.push({ seriesId: r.series_id, seriesType: { id: r.id, name: r.name } });
    }
    return out;
  }

  /** Series ids in id order, from `afterId` (exclusive), at most `limit`. */
  seriesIds(afterId: number, limit: number): number[] {
    return (
      this.db
        .prepare('SELECT id FROM series WHERE id > ? ORDER BY id LIMIT ?')
        .all(afterId, limit) as Array<{ id: number }>
    ).map((r) => r.id);
  }

  /** The first image of a series (database order), if any. */
  firstImageId(seriesId: number): number | undefined {
    const r = this.db
      .prepare('SELECT id FROM images WHERE series_id = ? ORDER BY id LIMIT 1')
      .get(seriesId) as { id: number } | undefined;
    return r?.id;
  }
}
