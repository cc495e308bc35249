/** Read side of the metadata hierarchy: the list/get routes of BEHAVIOR.md §9.2-9.6. */
import type { Database } from 'better-sqlite3';
import type { FlatSeries, Image, Patient, Series, Source, Study } from '../../slicebox/types.js';
import {
  existsMatchingSeries,
  orderClause,
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
  constructor(private readonly db: Database) {}

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
    const rows = this.db
      .prepare(`SELECT p.* FROM patients p ${where.sql} ${order} LIMIT ? OFFSET ?`)
      .all(...where.params, paging.count, paging.startIndex) as PatientRow[];
    return rows.map(toPatient);
  }

  patient(id: number): Patient | undefined {
    const row = this.db.prepare('SELECT * FROM patients WHERE id = ?').get(id) as
      PatientRow | undefined;
    return row && toPatient(row);
  }

  studies(patientId: number, paging: Paging, advanced: AdvancedFilters): Study[] {
    const where = whereClause([
      { sql: 'st.patient_id = ?', params: [patientId] },
      existsMatchingSeries('FROM series fse', 'fse.study_id = st.id', advanced),
    ]);
    const rows = this.db
      .prepare(`SELECT st.* FROM studies st ${where.sql} ORDER BY st.id LIMIT ? OFFSET ?`)
      .all(...where.params, paging.count, paging.startIndex) as StudyRow[];
    return rows.map(toStudy);
  }

  study(id: number): Study | undefined {
    const row = this.db.prepare('SELECT * FROM studies WHERE id = ?').get(id) as
      StudyRow | undefined;
    return row && toStudy(row);
  }

  series(studyId: number, paging: Paging, advanced: AdvancedFilters): Series[] {
    const where = whereClause([
      { sql: 'se.study_id = ?', params: [studyId] },
      seriesConds('se', advanced),
    ]);
    const rows = this.db
      .prepare(`SELECT se.* FROM series se ${where.sql} ORDER BY se.id LIMIT ? OFFSET ?`)
      .all(...where.params, paging.count, paging.startIndex) as SeriesRow[];
    return rows.map(toSeries);
  }

  oneSeries(id: number): Series | undefined {
    const row = this.db.prepare('SELECT * FROM series WHERE id = ?').get(id) as
      SeriesRow | undefined;
    return row && toSeries(row);
  }

  seriesSource(seriesId: number): Source | undefined {
    const row = this.db
      .prepare('SELECT source_type, source_name, source_id FROM series_sources WHERE series_id = ?')
      .get(seriesId) as SeriesSourceRow | undefined;
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
    const rows = this.db
      .prepare(`SELECT i.* FROM images i ${where.sql} ${order} LIMIT ? OFFSET ?`)
      .all(...where.params, paging.count, paging.startIndex) as ImageRow[];
    return rows.map(toImage);
  }

  image(id: number): Image | undefined {
    const row = this.db.prepare('SELECT * FROM images WHERE id = ?').get(id) as
      ImageRow | undefined;
    return row && toImage(row);
  }

  /** All images of a patient's studies and series that pass the advanced filters (study, series, image order). */
  imagesOfPatient(patientId: number, advanced: AdvancedFilters): Image[] {
    const where = whereClause([
      { sql: 'st.patient_id = ?', params: [patientId] },
      seriesConds('se', advanced),
    ]);
    const rows = this.db
      .prepare(
        `SELECT i.* FROM images i JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id
         ${where.sql} ORDER BY st.id, se.id, i.id`,
      )
      .all(...where.params) as ImageRow[];
    return rows.map(toImage);
  }

  imagesOfStudy(studyId: number, advanced: AdvancedFilters): Image[] {
    const where = whereClause([
      { sql: 'se.study_id = ?', params: [studyId] },
      seriesConds('se', advanced),
    ]);
    const rows = this.db
      .prepare(
        `SELECT i.* FROM images i JOIN series se ON se.id = i.series_id ${where.sql} ORDER BY se.id, i.id`,
      )
      .all(...where.params) as ImageRow[];
    return rows.map(toImage);
  }

  flatSeries(
    paging: Paging,
    ordering: Ordering,
    filter: string | undefined,
    advanced: AdvancedFilters,
  ): FlatSeries[] {
    const order = orderClause(FLAT_ORDER, ordering, 'se.id');
    const where = whereClause([textFilter(FLAT_FILTER, filter), seriesConds('se', advanced)]);
    const rows = this.db
      .prepare(`${FLAT_SELECT} ${where.sql} ${order} LIMIT ? OFFSET ?`)
      .all(...where.params, paging.count, paging.startIndex) as Array<Record<string, unknown>>;
    return rows.map(rowToFlat);
  }

  oneFlatSeries(id: number): FlatSeries | undefined {
    const row = this.db.prepare(`${FLAT_SELECT} WHERE se.id = ?`).get(id) as
      Record<string, unknown> | undefined;
    return row && rowToFlat(row);
  }

  allImageIds(): number[] {
    return (
      this.db.prepare('SELECT id FROM images ORDER BY id').all() as Array<{ id: number }>
    ).map((r) => r.id);
  }
}
