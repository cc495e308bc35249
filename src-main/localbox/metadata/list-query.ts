/**
 * Shared pieces of the metadata list queries: paging, ordering (whitelisted property → column), the
 * case-insensitive substring filter, and the advanced series filters (sources, series types, series tags)
 * of BEHAVIOR.md §9.1. Every value is bound as a parameter; `%` and `_` in a filter act as LIKE wildcards,
 * as they did in the original.
 */
import { InvalidArgument } from '../system/errors.js';

export interface SourceFilter {
  sourceType: string;
  sourceId: number;
}

export interface AdvancedFilters {
  sources: SourceFilter[];
  seriesTypeIds: number[];
  seriesTagIds: number[];
}

export interface Paging {
  startIndex: number;
  count: number;
}

export interface Ordering {
  orderBy?: string;
  orderAscending: boolean;
}

export const NO_ADVANCED_FILTERS: AdvancedFilters = {
  sources: [],
  seriesTypeIds: [],
  seriesTagIds: [],
};

export function hasAdvancedFilters(f: AdvancedFilters): boolean {
  return f.sources.length > 0 || f.seriesTypeIds.length > 0 || f.seriesTagIds.length > 0;
}

export interface SqlPart {
  sql: string;
  params: unknown[];
}

/** Conditions on a series row (`alias.id`), AND-ed across groups, OR-ed within a group. */
export function seriesFilterConditions(alias: string, f: AdvancedFilters): SqlPart[] {
  const parts: SqlPart[] = [];
  if (f.sources.length > 0) {
    parts.push({
      sql: `EXISTS (SELECT 1 FROM series_sources ss WHERE ss.series_id = ${alias}.id AND (${f.sources
        .map(() => '(ss.source_type = ? AND ss.source_id = ?)')
        .join(' OR ')}))`,
      params: f.sources.flatMap((s) => [s.sourceType, s.sourceId]),
    });
  }
  if (f.seriesTypeIds.length > 0) {
    parts.push({
      sql: `EXISTS (SELECT 1 FROM series_series_types sst WHERE sst.series_id = ${alias}.id AND sst.series_type_id IN (${f.seriesTypeIds.map(() => '?').join(', ')}))`,
      params: f.seriesTypeIds,
    });
  }
  if (f.seriesTagIds.length > 0) {
    parts.push({
      sql: `EXISTS (SELECT 1 FROM series_series_tags sstg WHERE sstg.series_id = ${alias}.id AND sstg.series_tag_id IN (${f.seriesTagIds.map(() => '?').join(', ')}))`,
      params: f.seriesTagIds,
    });
  }
  return parts;
}

/** `EXISTS` over the series below an entity, e.g. below a patient: `FROM studies s JOIN series se2 ...`. */
export function existsMatchingSeries(
  fromAndJoin: string,
  link: string,
  f: AdvancedFilters,
): SqlPart | undefined {
  if (!hasAdvancedFilters(f)) return undefined;
  const conds = seriesFilterConditions('fse', f);
  return {
    sql: `EXISTS (SELECT 1 ${fromAndJoin} WHERE ${link} AND ${conds.map((c) => c.sql).join(' AND ')})`,
    params: conds.flatMap((c) => c.params),
  };
}

/**
 * Case-insensitive substring filter: a row matches when `lower(value) LIKE '%<lower(filter)>%'` for any column,
 * with Unicode-aware lower case (`sbx_lower`, a JavaScript function). SQLite's own LIKE already folds ASCII
 * letters, so for a value made only of printable ASCII `value LIKE pattern` gives exactly the same answer; the
 * JavaScript function is called only for values containing other characters (GLOB `*[^ -~]*`, evaluated in C),
 * which keeps the semantics (wildcards included) and avoids one JavaScript call per column per row.
 */
export function textFilter(
  columns: readonly string[],
  filter: string | undefined,
): SqlPart | undefined {
  if (filter === undefined || filter === '') return undefined;
  const pattern = `%${filter.toLowerCase()}%`;
  return {
    sql: `(${columns
      .map(
        (c) => `(CASE WHEN ${c} GLOB '*[^ -~]*' THEN sbx_lower(${c}) LIKE ? ELSE ${c} LIKE ? END)`,
      )
      .join(' OR ')})`,
    params: columns.flatMap(() => [pattern, pattern]),
  };
}

/**
 * Text written for people (names, IDs, descriptions) is ordered case-insensitively, as a Slicebox on MySQL
 * (default `_ci` collation) orders it, so "anon270" sorts among the A's and not after "JANCT000". SQLite's
 * `NOCASE` folds ASCII letters only; other characters keep their code point order. Coded values (dates,
 * UIDs, sex, modality, age, image type, instance number) keep the binary order: case carries no meaning
 * there. Migration 9 indexes each of these columns as `(<column> COLLATE NOCASE, id)`, so ordered pages
 * still walk an index. See DECISIONS.md ("Ordering of text").
 */
const CASE_INSENSITIVE_ORDER: ReadonlySet<string> = new Set([
  'p.patient_name',
  'p.patient_id',
  'st.study_description',
  'st.study_id',
  'st.accession_number',
  'se.series_description',
  'se.protocol_name',
  'se.body_part_examined',
  'se.manufacturer',
  'se.station_name',
]);

/** The ORDER BY expression of a qualified column (`p.patient_name COLLATE NOCASE`, `st.study_date`). */
export function orderExpression(column: string): string {
  return CASE_INSENSITIVE_ORDER.has(column) ? `${column} COLLATE NOCASE` : column;
}

/** The column an `orderby` property maps to (undefined without `orderby`); throws for an unknown property. */
export function orderColumn(
  columns: Readonly<Record<string, string>>,
  ordering: Ordering,
): string | undefined {
  if (ordering.orderBy === undefined) return undefined;
  const column = Object.hasOwn(columns, ordering.orderBy) ? columns[ordering.orderBy] : undefined;
  if (column === undefined)
    throw new InvalidArgument(`Property ${ordering.orderBy} does not exist`);
  return column;
}

export function orderClause(
  columns: Readonly<Record<string, string>>,
  ordering: Ordering,
  tieBreaker: string,
): string {
  const column = orderColumn(columns, ordering);
  if (column === undefined) return `ORDER BY ${tieBreaker}`;
  const dir = ordering.orderAscending ? 'ASC' : 'DESC';
  return `ORDER BY ${orderExpression(column)} ${dir}, ${tieBreaker}`;
}

export function whereClause(parts: Array<SqlPart | undefined>): SqlPart {
  const present = parts.filter((p): p is SqlPart => p !== undefined);
  if (present.length === 0) return { sql: '', params: [] };
  return {
    sql: `WHERE ${present.map((p) => p.sql).join(' AND ')}`,
    params: present.flatMap((p) => p.params),
  };
}
