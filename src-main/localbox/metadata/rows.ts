/** Database rows of the metadata hierarchy and their mapping to the wire types (BEHAVIOR.md §5.1). */
import type {
  FlatSeries,
  Image,
  Patient,
  Series,
  Source,
  SourceType,
  Study,
} from '../../slicebox/types.js';

export interface PatientRow {
  id: number;
  patient_name: string;
  patient_id: string;
  patient_birth_date: string;
  patient_sex: string;
}

export interface StudyRow {
  id: number;
  patient_id: number;
  study_instance_uid: string;
  study_description: string;
  study_date: string;
  study_id: string;
  accession_number: string;
  patient_age: string;
}

export interface SeriesRow {
  id: number;
  study_id: number;
  series_instance_uid: string;
  series_description: string;
  series_date: string;
  modality: string;
  protocol_name: string;
  body_part_examined: string;
  manufacturer: string;
  station_name: string;
  frame_of_reference_uid: string;
}

export interface ImageRow {
  id: number;
  series_id: number;
  sop_instance_uid: string;
  image_type: string;
  instance_number: string;
}

export interface SeriesSourceRow {
  source_type: string;
  source_name: string;
  source_id: number;
}

const v = (value: string) => ({ value });

export function toPatient(r: PatientRow): Patient {
  return {
    id: r.id,
    patientName: v(r.patient_name),
    patientID: v(r.patient_id),
    patientBirthDate: v(r.patient_birth_date),
    patientSex: v(r.patient_sex),
  };
}

export function toStudy(r: StudyRow): Study {
  return {
    id: r.id,
    patientId: r.patient_id,
    studyInstanceUID: v(r.study_instance_uid),
    studyDescription: v(r.study_description),
    studyDate: v(r.study_date),
    studyID: v(r.study_id),
    accessionNumber: v(r.accession_number),
    patientAge: v(r.patient_age),
  };
}

export function toSeries(r: SeriesRow): Series {
  return {
    id: r.id,
    studyId: r.study_id,
    seriesInstanceUID: v(r.series_instance_uid),
    seriesDescription: v(r.series_description),
    seriesDate: v(r.series_date),
    modality: v(r.modality),
    protocolName: v(r.protocol_name),
    bodyPartExamined: v(r.body_part_examined),
    manufacturer: v(r.manufacturer),
    stationName: v(r.station_name),
    frameOfReferenceUID: v(r.frame_of_reference_uid),
  };
}

export function toImage(r: ImageRow): Image {
  return {
    id: r.id,
    seriesId: r.series_id,
    sopInstanceUID: v(r.sop_instance_uid),
    imageType: v(r.image_type),
    instanceNumber: v(r.instance_number),
  };
}

export function toFlatSeries(p: PatientRow, st: StudyRow, se: SeriesRow): FlatSeries {
  return { id: se.id, patient: toPatient(p), study: toStudy(st), series: toSeries(se) };
}

const SOURCE_TYPES: readonly SourceType[] = [
  'user',
  'box',
  'directory',
  'scp',
  'import',
  'unknown',
];

export function toSourceType(s: string): SourceType {
  return (SOURCE_TYPES as readonly string[]).includes(s) ? (s as SourceType) : 'unknown';
}

export function toSource(r: SeriesSourceRow): Source {
  return {
    sourceType: toSourceType(r.source_type),
    sourceName: r.source_name,
    sourceId: r.source_id,
  };
}

/** Column lists, prefixed for joins (`p.`, `st.`, `se.`). */
export const PATIENT_COLUMNS = [
  'id',
  'patient_name',
  'patient_id',
  'patient_birth_date',
  'patient_sex',
] as const;
export const STUDY_COLUMNS = [
  'id',
  'patient_id',
  'study_instance_uid',
  'study_description',
  'study_date',
  'study_id',
  'accession_number',
  'patient_age',
] as const;
export const SERIES_COLUMNS = [
  'id',
  'study_id',
  'series_instance_uid',
  'series_description',
  'series_date',
  'modality',
  'protocol_name',
  'body_part_examined',
  'manufacturer',
  'station_name',
  'frame_of_reference_uid',
] as const;

export function selectAliased(alias: string, columns: readonly string[]): string {
  return columns.map((c) => `${alias}.${c} AS ${alias}_${c}`).join(', ');
}

export function unalias<T>(
  row: Record<string, unknown>,
  alias: string,
  columns: readonly string[],
): T {
  const out: Record<string, unknown> = {};
  for (const c of columns) out[c] = row[`${alias}_${c}`];
  return out as T;
}
