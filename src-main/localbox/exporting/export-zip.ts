/**
 * The export archive (BEHAVIOR.md §10.9): one ZIP entry per image,
 * `<patientDbId>_<PatientName>-<PatientID>/<studyDbId>_<StudyDate>/<seriesDbId>_<SeriesDate>_<Modality>/<imageId>.dcm`,
 * in the order of the set.
 *
 * - Entries are STORED, not deflated: DICOM pixel data rarely compresses well and streaming speed matters.
 * - zip-writer.ts writes the archive: each file is opened only a few entries before it is sent (up to four
 *   are read ahead while the current one is sent), so memory and open file descriptors stay bounded whatever
 *   the set size; ZIP64 is used when needed.
 * - Folder names: `/` and `\` become `-` (Slicebox), and so do control characters. Every folder name starts
 *   with `<dbId>_`, so no path segment can be `.` or `..`: entries cannot escape the extraction folder.
 */
import type { Writable } from 'node:stream';
import type { Database } from 'better-sqlite3';
import { writeStoredZip } from './zip-writer.js';

export interface ExportEntry {
  imageId: number;
  name: string;
}

interface EntryRow {
  image_id: number;
  series_id: number;
  series_date: string;
  modality: string;
  study_id: number;
  study_date: string;
  patient_id: number;
  patient_name: string;
  patient_dicom_id: string;
}

/** `/`, `\` and control characters → `-`. */
export function folderName(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[/\\\u0000-\u001f\u007f]/g, '-');
}

export function entryName(r: EntryRow): string {
  return [
    folderName(`${r.patient_id}_${r.patient_name}-${r.patient_dicom_id}`),
    folderName(`${r.study_id}_${r.study_date}`),
    folderName(`${r.series_id}_${r.series_date}_${r.modality}`),
    `${r.image_id}.dcm`,
  ].join('/');
}

/**
 * Resolves the entries of a set, in set order. Returns the ids without an image row in `missing` (the route
 * refuses such a set rather than sending an incomplete archive).
 */
export function exportEntries(
  db: Database,
  imageIds: readonly number[],
): { entries: ExportEntry[]; missing: number[] } {
  const stmt = db.prepare(
    `SELECT i.id AS image_id, se.id AS series_id, se.series_date, se.modality, st.id AS study_id, st.study_date,
            p.id AS patient_id, p.patient_name, p.patient_id AS patient_dicom_id
       FROM images i JOIN series se ON se.id = i.series_id JOIN studies st ON st.id = se.study_id
       JOIN patients p ON p.id = st.patient_id WHERE i.id = ?`,
  );
  const entries: ExportEntry[] = [];
  const missing: number[] = [];
  for (const id of imageIds) {
    const row = stmt.get(id) as EntryRow | undefined;
    if (row) entries.push({ imageId: id, name: entryName(row) });
    else missing.push(id);
  }
  return { entries, missing };
}

/**
 * Writes the archive to `sink` (an HTTP response), giving each file's buffer back once the socket has taken it
 * (`writeStoredZip`). A file that cannot be read while streaming (deleted after the request started) rejects,
 * so the caller destroys the response: the client gets a truncated download instead of a silently incomplete
 * archive. If the client goes away it rejects too, and the files opened ahead are closed. Does not end the sink.
 */
export function writeZip(
  entries: readonly ExportEntry[],
  pathOf: (imageId: number) => string,
  sink: Writable,
): Promise<void> {
  return writeStoredZip(
    entries.map((e) => ({ name: e.name, path: pathOf(e.imageId) })),
    sink,
  );
}
