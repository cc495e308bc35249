/**
 * Metadata queries, `POST /metadata/{patients|studies|series|images|flatseries}/query` (BEHAVIOR.md §5.6, §9.7).
 *
 * Each query property is a condition on the column of that (case-sensitive) JSON name in one of the joined tables
 * (Patients, Studies and Series; image queries also Images), AND-ed. `=` is exact, case-sensitive string equality;
 * `like` matches `%value%` case-sensitively with `%`/`_` active (`sbx_like`, see query-like.ts). Column names only
 * ever come from the whitelists below; values are bound parameters. A name that exists in several joined tables
 * (`id`) is rejected with 400 instead of the original's 500. `order.orderBy` must be a column of the result's own
 * table (flat series: the §9.6 mapping); other joined columns are rejected with 400 (the original failed with 500).
 * Names, IDs and descriptions are ordered case-insensitively, as on the list routes (`orderExpression`).
 */
import type { Database } from 'better-sqlite3';
import type { FlatSeries, Image, Patient, Series, Study } from '../../slicebox/types.js';
import { InvalidArgument } from '../system/errors.js';
import { orderExpression, seriesFilterConditions } from './list-query.js';
import type { AdvancedFilters, SqlPart } from './list-query.js';
import {
  PATIENT_COLUMNS,
  SERIES_COLUMNS,
  STUDY_COLUMNS,
  selectAliased,
  toFlatSeries,
  toImage,
  toPatient,
  toSeries,
  toStudy,
  unalias,
} from './rows.js';
import type { ImageRow, PatientRow, SeriesRow, StudyRow } from './rows.js';

export type QueryOperator = '=' | 'like';

export interface QueryProperty {
  propertyName: string;
  operator: QueryOperator;
  propertyValue: string;
}

export interface MetadataQuery {
  startIndex: number;
  count: number;
  order?: { orderBy: string; orderAscending: boolean };
  queryProperties: QueryProperty[];
  filters?: AdvancedFilters;
}

export type QueryEntity = 'patients' | 'studies' | 'series' | 'images' | 'flatseries';

type Table = 'patients' | 'studies' | 'series' | 'images';

const ALIAS: Record<Table, string> = { patients: 'p', studies: 'st', series: 'se', images: 'i' };

/** JSON property name → column, per table. */
const COLUMNS: Record<Table, Record<string, string>> = {
  patients: {
    id: 'id',
    patientName: 'patient_name',
    patientID: 'patient_id',
    patientBirthDate: 'patient_birth_date',
    patientSex: 'patient_sex',
  },
  studies: {
    id: 'id',
    patientId: 'patient_id',
    studyInstanceUID: 'study_instance_uid',
    studyDescription: 'study_description',
    studyDate: 'study_date',
    studyID: 'study_id',
    accessionNumber: 'accession_number',
    patientAge: 'patient_age',
  },
  series: {
    id: 'id',
    studyId: 'study_id',
    seriesInstanceUID: 'series_instance_uid',
    seriesDescription: 'series_description',
    seriesDate: 'series_date',
    modality: 'modality',
    protocolName: 'protocol_name',
    bodyPartExamined: 'body_part_examined',
    manufacturer: 'manufacturer',
    stationName: 'station_name',
    frameOfReferenceUID: 'frame_of_reference_uid',
  },
  images: {
    id: 'id',
    seriesId: 'series_id',
    sopInstanceUID: 'sop_instance_uid',
    imageType: 'image_type',
    instanceNumber: 'instance_number',
  },
};

const HIERARCHY: readonly Table[] = ['patients', 'studies', 'series'];
const JOINED: Record<QueryEntity, readonly Table[]> = {
  patients: HIERARCHY,
  studies: HIERARCHY,
  series: HIERARCHY,
  flatseries: HIERARCHY,
  images: [...HIERARCHY, 'images'],
};

const FROM: Record<QueryEntity, string> = {
  patients:
    'FROM patients p JOIN studies st ON st.patient_id = p.id JOIN series se ON se.study_id = st.id',
  studies:
    'FROM studies st JOIN patients p ON p.id = st.patient_id JOIN series se ON se.study_id = st.id',
  series:
    'FROM series se JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id',
  flatseries:
    'FROM series se JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id',
  images:
    'FROM images i JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id',
};

/** The result table of each query (its columns are the accepted `orderBy` values, except for flat series). */
const OWN: Record<Exclude<QueryEntity, 'flatseries'>, Table> = {
  patients: 'patients',
  studies: 'studies',
  series: 'series',
  images: 'images',
};

/** Flat series order columns (BEHAVIOR.md §9.6): `id` is the series id, other names their own table's column. */
const FLAT_ORDER: Record<string, string> = (() => {
  const out: Record<string, string> = {};
  for (const t of HIERARCHY) {
    for (const [name, column] of Object.entries(COLUMNS[t])) {
      if (name !== 'id') out[name] = `${ALIAS[t]}.${column}`;
    }
  }
  out.id = 'se.id';
  return out;
})();

/** The qualified column of a property name in the joined tables; 400 when absent or ambiguous. */
function propertyColumn(entity: QueryEntity, name: string): string {
  const matches = JOINED[entity].filter((t) => Object.hasOwn(COLUMNS[t], name));
  if (matches.length === 0) throw new InvalidArgument(`Property ${name} does not exist`);
  if (matches.length > 1) {
    throw new InvalidArgument(
      `Property ${name} is ambiguous: it exists in the tables ${matches.join(', ')}`,
    );
  }
  const table = matches[0] as Table;
  return `${ALIAS[table]}.${COLUMNS[table][name] as string}`;
}

function orderColumn(entity: QueryEntity, orderBy: string): string {
  if (!JOINED[entity].some((t) => Object.hasOwn(COLUMNS[t], orderBy)))
    throw new InvalidArgument(`Property ${orderBy} does not exist`);
  if (entity === 'flatseries') return FLAT_ORDER[orderBy] as string;
  const own = OWN[entity];
  const column = Object.hasOwn(COLUMNS[own], orderBy) ? COLUMNS[own][orderBy] : undefined;
  if (column === undefined) {
    throw new InvalidArgument(
      `Property ${orderBy} cannot be used to order ${entity}: it is not a column of the ${own} table`,
    );
  }
  return `${ALIAS[own]}.${column}`;
}

function conditions(entity: QueryEntity, q: MetadataQuery): SqlPart[] {
  const parts: SqlPart[] = q.queryProperties.map((p) => {
    const column = propertyColumn(entity, p.propertyName);
    return p.operator === '='
      ? { sql: `${column} = ?`, params: [p.propertyValue] }
      : { sql: `sbx_like(${column}, ?)`, params: [`%${p.propertyValue}%`] };
  });
  if (q.filters) parts.push(...seriesFilterConditions('se', q.filters));
  return parts;
}

/** The result rows, once each (flat series: series with their study and patient, one row per series). */
const OUTER_FROM: Record<QueryEntity, string> = {
  patients: 'FROM patients p',
  studies: 'FROM studies st',
  series: 'FROM series se',
  images: 'FROM images i',
  flatseries: FROM.flatseries,
};

const ENTITY_ID: Record<QueryEntity, string> = {
  patients: 'p.id',
  studies: 'st.id',
  series: 'se.id',
  flatseries: 'se.id',
  images: 'i.id',
};

/**
 * The ids of the matching result entities, distinct, ordered and paged: the joined rows are matched in a
 * sub-select, the result rows ordered by the requested column (ties and the default by id: database order).
 */
function matchingIds(db: Database, entity: QueryEntity, q: MetadataQuery): number[] {
  const parts = conditions(entity, q);
  const where = parts.length ? `WHERE ${parts.map((p) => `(${p.sql})`).join(' AND ')}` : '';
  const idColumn = ENTITY_ID[entity];
  const orderBy = q.order ? orderColumn(entity, q.order.orderBy) : undefined;
  const direction = q.order?.orderAscending === false ? 'DESC' : 'ASC';
  const order = orderBy
    ? `ORDER BY ${orderExpression(orderBy)} ${direction}, ${idColumn}`
    : `ORDER BY ${idColumn}`;
  const sql = `SELECT ${idColumn} AS id ${OUTER_FROM[entity]}
    WHERE ${idColumn} IN (SELECT ${idColumn} ${FROM[entity]} ${where})
    ${order} LIMIT ? OFFSET ?`;
  const params = parts.flatMap((p) => p.params);
  return (db.prepare(sql).all(...params, q.count, q.startIndex) as Array<{ id: number }>).map(
    (r) => r.id,
  );
}

function inOrder<R extends { id: number }>(ids: number[], rows: R[]): R[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.map((id) => byId.get(id)).filter((r): r is R => r !== undefined);
}

function rowsById<R extends { id: number }>(db: Database, table: Table, ids: number[]): R[] {
  if (ids.length === 0) return [];
  const rows = db
    .prepare(`SELECT * FROM ${table} WHERE id IN (${ids.map(() => '?').join(', ')})`)
    .all(...ids) as R[];
  return inOrder(ids, rows);
}

/** Pages are bounded by `count`; chunk very large pages to stay under SQLite's parameter limit. */
const CHUNK = 10_000;
function chunked<T>(ids: number[], load: (chunk: number[]) => T[]): T[] {
  const out: T[] = [];
  for (let i = 0; i < ids.length; i += CHUNK) out.push(...load(ids.slice(i, i + CHUNK)));
  return out;
}

export class MetadataQueryService {
  constructor(private readonly db: Database) {}

  patients(q: MetadataQuery): Patient[] {
    const ids = matchingIds(this.db, 'patients', q);
    return chunked(ids, (c) => rowsById<PatientRow>(this.db, 'patients', c)).map(toPatient);
  }

  studies(q: MetadataQuery): Study[] {
    const ids = matchingIds(this.db, 'studies', q);
    return chunked(ids, (c) => rowsById<StudyRow>(this.db, 'studies', c)).map(toStudy);
  }

  series(q: MetadataQuery): Series[] {
    const ids = matchingIds(this.db, 'series', q);
    return chunked(ids, (c) => rowsById<SeriesRow>(this.db, 'series', c)).map(toSeries);
  }

  images(q: MetadataQuery): Image[] {
    const ids = matchingIds(this.db, 'images', q);
    return chunked(ids, (c) => rowsById<ImageRow>(this.db, 'images', c)).map(toImage);
  }

  flatSeries(q: MetadataQuery): FlatSeries[] {
    const ids = matchingIds(this.db, 'flatseries', q);
    return chunked(ids, (c) => {
      if (c.length === 0) return [];
      const rows = this.db
        .prepare(
          `SELECT ${selectAliased('p', PATIENT_COLUMNS)}, ${selectAliased('st', STUDY_COLUMNS)}, ${selectAliased('se', SERIES_COLUMNS)}
           FROM series se JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id
           WHERE se.id IN (${c.map(() => '?').join(', ')})`,
        )
        .all(...c) as Array<Record<string, unknown>>;
      const flat = rows.map((row) =>
        toFlatSeries(
          unalias<PatientRow>(row, 'p', PATIENT_COLUMNS),
          unalias<StudyRow>(row, 'st', STUDY_COLUMNS),
          unalias<SeriesRow>(row, 'se', SERIES_COLUMNS),
        ),
      );
      return inOrder(c, flat);
    });
  }

  query(entity: QueryEntity, q: MetadataQuery): unknown[] {
    switch (entity) {
      case 'patients':
        return this.patients(q);
      case 'studies':
        return this.studies(q);
      case 'series':
        return this.series(q);
      case 'images':
        return this.images(q);
      case 'flatseries':
        return this.flatSeries(q);
    }
  }
}
