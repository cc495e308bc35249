/** Read side of the metadata hierarchy: the list/get routes of BEHAVIOR.md §9.2-9.6. */
import type { Database, Statement } from 'better-sqlite3';
import type { FlatSeries, Image, Patient, Series, Source, Study } from '../../slicebox/types.js';
import {
  existsMatchingSeries,
  orderClause,
  orderColumn,
  seriesFilterConditions,
  textFilter,
  whereClause,
} from './list-query.js';
import type { AdvancedFilters, Ordering, Paging, SqlPart } from './list-query.js';
import {
  PATIENT_COLUMNS,
  SERIES_COLUMNS,
  STUDY_COLUMNS,
  selectAliased,
  toFlatSeries,
  toImage,
  toPatient,
  toSeries,
  toSource,
  toStudy,
  unalias,
} from './rows.js';
import type { ImageRow, PatientRow, SeriesRow, SeriesSourceRow, StudyRow } from './rows.js';

const PATIENT_ORDER: Record<string, string> = {
  id: 'p.id',
  patientName: 'p.patient_name',
  patientID: 'p.patient_id',
  patientBirthDate: 'p.patient_birth_date',
  patientSex: 'p.patient_sex',
};
const PATIENT_FILTER = ['p.patient_name', 'p.patient_id', 'p.patient_birth_date', 'p.patient_sex'];

const IMAGE_ORDER: Record<string, string> = {
  id: 'i.id',
  seriesId: 'i.series_id',
  sopInstanceUID: 'i.sop_instance_uid',
  imageType: 'i.image_type',
  instanceNumber: 'i.instance_number',
};
const IMAGE_FILTER = ['i.sop_instance_uid', 'i.image_type', 'i.instance_number'];

/** Flat series: columns of Patients, Studies or Series; `id` is the series id (BEHAVIOR.md §9.6). */
const FLAT_ORDER: Record<string, string> = {
  id: 'se.id',
  patientName: 'p.patient_name',
  patientID: 'p.patient_id',
  patientBirthDate: 'p.patient_birth_date',
  patientSex: 'p.patient_sex',
  patientId: 'st.patient_id',
  studyInstanceUID: 'st.study_instance_uid',
  studyDescription: 'st.study_description',
  studyDate: 'st.study_date',
  studyID: 'st.study_id',
  accessionNumber: 'st.accession_number',
  patientAge: 'st.patient_age',
  studyId: 'se.study_id',
  seriesInstanceUID: 'se.series_instance_uid',
  seriesDescription: 'se.series_description',
  seriesDate: 'se.series_date',
  modality: 'se.modality',
  protocolName: 'se.protocol_name',
  bodyPartExamined: 'se.body_part_examined',
  manufacturer: 'se.manufacturer',
  stationName: 'se.station_name',
  frameOfReferenceUID: 'se.frame_of_reference_uid',
};
const FLAT_FILTER = [
  'CAST(se.id AS TEXT)',
  'p.patient_name',
  'p.patient_id',
  'p.patient_birth_date',
  'p.patient_sex',
  'st.study_description',
  'st.study_date',
  'st.study_id',
  'st.accession_number',
  'st.patient_age',
  'se.series_description',
  'se.series_date',
  'se.modality',
  'se.protocol_name',
  'se.body_part_examined',
  'se.manufacturer',
  'se.station_name',
];

const FLAT_SELECT = `SELECT ${selectAliased('p', PATIENT_COLUMNS)}, ${selectAliased('st', STUDY_COLUMNS)}, ${selectAliased('se', SERIES_COLUMNS)}
  FROM series se JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id`;

/**
 * Flat series pages select the page's series ids first (narrow rows) and fetch the full rows of those 20 ids
 * afterwards. When the page is ordered by a patient or study column, the join is driven from that table (its
 * `(column, id)` index of migration 4 delivers the order), so SQLite walks the rows in order and stops at the
 * page instead of sorting the whole join. The result (rows and order) is the same for every join order: the
 * ORDER BY `<column> <dir>, se.id` is total.
 */
const FLAT_JOIN_DEFAULT =
  'FROM series se JOIN studies st ON st.id = se.study_id JOIN patients p ON p.id = st.patient_id';
const FLAT_JOIN_BY_PATIENT =
  'FROM patients p CROSS JOIN studies st ON st.patient_id = p.id CROSS JOIN series se ON se.study_id = st.id';
const FLAT_JOIN_BY_STUDY =
  'FROM studies st CROSS JOIN series se ON se.study_id = st.id CROSS JOIN patients p ON p.id = st.patient_id';

/**
 * Without a text filter and with a series column (or no column) to order by, the id page needs only the series
 * table: every series has its study and every study its patient (NOT NULL foreign keys, enforced), so the
 * inner joins cannot remove a row.
 */
const FLAT_FROM_SERIES_ONLY = 'FROM series se';

function flatJoinFor(column: string | undefined, textFiltered: boolean): string {
  if (column?.startsWith('p.')) return FLAT_JOIN_BY_PATIENT;
  if (column?.startsWith('st.')) return FLAT_JOIN_BY_STUDY;
  return textFiltered ? FLAT_JOIN_DEFAULT : FLAT_FROM_SERIES_ONLY;
}

/** Puts rows fetched by id back into the order of `ids` (a page of distinct ids). */
function inIdOrder<T extends { id: number }>(ids: readonly number[], rows: readonly T[]): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: T[] = [];
  for (const id of ids) {
    const row = byId.get(id);
    if (row) out.push(row);
  }
  return out;
}

/** Prepared statements are cached by SQL text; the list queries have a small number of shapes. */
const STATEMENT_CACHE_LIMIT = 256;

function rowToFlat(row: Record<string, unknown>): FlatSeries {
  return toFlatSeries(
    unalias<PatientRow>(row, 'p', PATIENT_COLUMNS),
    unalias<StudyRow>(row, 'st', STUDY_COLUMNS),
    unalias<SeriesRow>(row, 'se', SERIES_COLUMNS),
  );
}

function seriesConds(alias: string, f: AdvancedFilters): SqlPart | undefined {
  const parts = seriesFilterConditions(alias, f);
  if (parts.length === 0) return undefined;
  return { sql: parts.map((p) => p.sql).join(' AND '), params: parts.flatMap((p) => p.params) };
}

export class MetadataQueries {
  private readonly statements = new Map<string, Statement>();

  constructor(private readonly db: Database) {}

  private stmt(sql: string): Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }

  patients(
    paging: Paging,
    ordering: Ordering,
    filter: string | undefined,
    advanced: AdvancedFilters,
  ): Patient[] {
    const order = orderClause(PATIENT_ORDER, ordering, 'p.id');
    const where = whereClause([
      textFilter(PATIENT_FILTER, filter),
      existsMatchingSeries(
        'FROM studies fst JOIN series fse ON fse.study_id = fst.id',
        'fst.patient_id = p.id',
        advanced,
      ),
    ]);
    // Page of ids first (walks the `(column, id)` index without touching the rows), then the rows.
    const ids = this.stmt(`SELECT p.id FROM patients p ${where.sql} ${order} LIMIT ? OFFSET ?`)
      .pluck()
      .all(...where.params, paging.count, paging.startIndex) as number[];
    if (ids.length === 0) return [];
    const rows = this.stmt(
      'SELECT * FROM patients WHERE id IN (SELECT value FROM json_each(?))',
    ).all(JSON.stringify(ids)) as PatientRow[];
    return inIdOrder(ids, rows).map(toPatient);
  }

  patient(id: number): Patient | undefined {
    const row = this.stmt('SELECT * FROM patients WHERE id = ?').get(id) as PatientRow | undefined;
    return row && toPatient(row);
  }

  studies(patientId: number, paging: Paging, advanced: AdvancedFilters): Study[] {
    const where = whereClause([
      { sql: 'st.patient_id = ?', params: [patientId] },
      existsMatchingSeries('FROM series fse', 'fse.study_id = st.id', advanced),
    ]);
    const rows = this.stmt(
      `SELECT st.* FROM studies st ${where.sql} ORDER BY st.id LIMIT ? OFFSET ?`,
    ).all(...where.params, paging.count, paging.startIndex) as StudyRow[];
    return rows.map(toStudy);
  }

  study(id: number): Study | undefined {
    const row = this.stmt('SELECT * FROM studies WHERE id = ?').get(id) as StudyRow | undefined;
    return row && toStudy(row);
  }

  series(studyId: number, paging: Paging, advanced: AdvancedFilters): Series[] {
    const where = whereClause([
      { sql: 'se.study_id = ?', params: [studyId] },
      seriesConds('se', advanced),
    ]);
    const rows = this.stmt(
      `SELECT se.* FROM series se ${where.sql} ORDER BY se.id LIMIT ? OFFSET ?`,
    ).all(...where.params, paging.count, paging.startIndex) as SeriesRow[];
    return rows.map(toSeries);
  }

  oneSeries(id: number): Series | undefined {
    const row = this.stmt('SELECT * FROM series WHERE id = ?').get(id) as SeriesRow | undefined;
    return row && toSeries(row);
  }

  seriesSource(seriesId: number): Source | undefined {
    const row = this.stmt(
      'SELECT source_type, source_name, source_id FROM series_sources WHERE series_id = ?',
    ).get(seriesId) as SeriesSourceRow | undefined;
    return row && toSource(row);
  }

  images(
    seriesId: number,
    paging: Paging,
    ordering: Ordering,
    filter: string | undefined,
  ): Image[] {
    const order = orderClause(IMAGE_ORDER, ordering, 'i.id');
    const where = whereClause([
      { sql: 'i.series_id = ?', params: [seriesId] },
      textFilter(IMAGE_FILTER, filter),
    ]);
    const rows = this.stmt(`SELECT i.* FROM images i ${where.sql} ${order} LIMIT ? OFFSET ?`).all(
      ...where.params,
      paging.count,
      paging.startIndex,
    ) as ImageRow[];
    return rows.map(toImage);
  }

  image(id: number): Image | undefined {
    const row = this.stmt('SELECT * FROM images WHERE id = ?').get(id) as ImageRow | undefined;
    return row && toImage(row);
  }

  /** All images of a patient's studies and series that pass the advanced filters (study, series, image order). */
  imagesOfPatient(patientId: number, advanced: AdvancedFilters): Image[] {
    const where = whereClause([
      { sql: 'st.patient_id = ?', params: [patientId] },
      seriesConds('se', advanced),
    ]);
    const rows = this.stmt(
      `SELECT i.* FROM images i JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id
         ${where.sql} ORDER BY st.id, se.id, i.id`,
    ).all(...where.params) as ImageRow[];
    return rows.map(toImage);
  }

  imagesOfStudy(studyId: number, advanced: AdvancedFilters): Image[] {
    const where = whereClause([
      { sql: 'se.study_id = ?', params: [studyId] },
      seriesConds('se', advanced),
    ]);
    const rows = this.stmt(
      `SELECT i.* FROM images i JOIN series se ON se.id = i.series_id ${where.sql} ORDER BY se.id, i.id`,
    ).all(...where.params) as ImageRow[];
    return rows.map(toImage);
  }

  flatSeries(
    paging: Paging,
    ordering: Ordering,
    filter: string | undefined,
    advanced: AdvancedFilters,
  ): FlatSeries[] {
    const order = orderClause(FLAT_ORDER, ordering, 'se.id');
    const text = textFilter(FLAT_FILTER, filter);
    const join = flatJoinFor(orderColumn(FLAT_ORDER, ordering), text !== undefined);
    const where = whereClause([text, seriesConds('se', advanced)]);
    const ids = this.stmt(`SELECT se.id ${join} ${where.sql} ${order} LIMIT ? OFFSET ?`)
      .pluck()
      .all(...where.params, paging.count, paging.startIndex) as number[];
    if (ids.length === 0) return [];
    const rows = this.stmt(`${FLAT_SELECT} WHERE se.id IN (SELECT value FROM json_each(?))`).all(
      JSON.stringify(ids),
    ) as Array<Record<string, unknown>>;
    const flat = rows.map(rowToFlat);
    return inIdOrder(ids, flat);
  }

  oneFlatSeries(id: number): FlatSeries | undefined {
    const row = this.stmt(`${FLAT_SELECT} WHERE se.id = ?`).get(id) as
      Record<string, unknown> | undefined;
    return row && rowToFlat(row);
  }

  allImageIds(): number[] {
    return (this.stmt('SELECT id FROM images ORDER BY id').all() as Array<{ id: number }>).map(
      (r) => r.id,
    );
  }
}
