/** Write side of the metadata hierarchy: the upsert of BEHAVIOR.md §6.1 step 6 and deletion of §6.3. */
import type { Database } from 'better-sqlite3';
import type { Image, Source } from '../../slicebox/types.js';
import { purgeKeysForImages } from '../anonymization-store/key-store.js';
import type { DicomMetadata } from '../dicom/metadata.js';
import { toImage } from './rows.js';
import type { ImageRow } from './rows.js';

/** PatientName is truncated to this many characters before it identifies a patient. */
export const PATIENT_NAME_MAX_LENGTH = 180;

export interface UpsertResult {
  image: Image;
  /** true when a new image row was created; false when an existing image was overwritten. */
  added: boolean;
}

const BATCH = 1000;

/**
 * Sets `values` (column → value) on the row `id` of `table`, only when one of them differs from the row's: an
 * unchanged row is not rewritten (see `upsert`). Table and column names are this file's own constants.
 */
function updateIfChanged(
  db: Database,
  table: string,
  id: number,
  values: Record<string, unknown>,
): void {
  const columns = Object.keys(values);
  db.prepare(
    `UPDATE ${table} SET ${columns.map((c) => `${c} = @${c}`).join(', ')}
     WHERE id = @id AND NOT (${columns.map((c) => `${c} IS @${c}`).join(' AND ')})`,
  ).run({ ...values, id });
}

export class MetadataWrites {
  constructor(private readonly db: Database) {}

  /**
   * Upserts patient → study → series → image top-down and records the series source (last writer wins).
   * Must be called inside a transaction (see images/ingest.ts).
   *
   * An existing row is updated only when a value differs (`NOT (col IS ? AND …)`): the images of one series
   * carry the same patient, study and series values, and rewriting an unchanged row also rewrites its entries in
   * every index on the updated columns (17 on these tables), which dirtied about a dozen pages per stored image
   * for the commit to write to the WAL. The resulting rows are the same.
   */
  upsert(m: DicomMetadata, source: Source): UpsertResult {
    const db = this.db;
    const patientName = m.patientName.slice(0, PATIENT_NAME_MAX_LENGTH);

    const patient = db
      .prepare('SELECT id FROM patients WHERE patient_name = ? AND patient_id = ?')
      .get(patientName, m.patientID) as { id: number } | undefined;
    let patientId: number;
    if (patient) {
      patientId = patient.id;
      updateIfChanged(db, 'patients', patientId, {
        patient_birth_date: m.patientBirthDate,
        patient_sex: m.patientSex,
      });
    } else {
      patientId = Number(
        db
          .prepare(
            'INSERT INTO patients (patient_name, patient_id, patient_birth_date, patient_sex) VALUES (?, ?, ?, ?)',
          )
          .run(patientName, m.patientID, m.patientBirthDate, m.patientSex).lastInsertRowid,
      );
    }

    const study = db
      .prepare('SELECT id FROM studies WHERE patient_id = ? AND study_instance_uid = ?')
      .get(patientId, m.studyInstanceUID) as { id: number } | undefined;
    // In the order of the INSERT's columns below.
    const studyColumns = {
      study_description: m.studyDescription,
      study_date: m.studyDate,
      study_id: m.studyID,
      accession_number: m.accessionNumber,
      patient_age: m.patientAge,
    };
    let studyId: number;
    if (study) {
      studyId = study.id;
      updateIfChanged(db, 'studies', studyId, studyColumns);
    } else {
      studyId = Number(
        db
          .prepare(
            `INSERT INTO studies (patient_id, study_instance_uid, study_description, study_date, study_id, accession_number, patient_age)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(patientId, m.studyInstanceUID, ...Object.values(studyColumns)).lastInsertRowid,
      );
    }

    const series = db
      .prepare('SELECT id FROM series WHERE study_id = ? AND series_instance_uid = ?')
      .get(studyId, m.seriesInstanceUID) as { id: number } | undefined;
    // In the order of the INSERT's columns below.
    const seriesColumns = {
      series_description: m.seriesDescription,
      series_date: m.seriesDate,
      modality: m.modality,
      protocol_name: m.protocolName,
      body_part_examined: m.bodyPartExamined,
      manufacturer: m.manufacturer,
      station_name: m.stationName,
      frame_of_reference_uid: m.frameOfReferenceUID,
    };
    let seriesId: number;
    if (series) {
      seriesId = series.id;
      updateIfChanged(db, 'series', seriesId, seriesColumns);
    } else {
      seriesId = Number(
        db
          .prepare(
            `INSERT INTO series (study_id, series_instance_uid, series_description, series_date, modality, protocol_name,
           body_part_examined, manufacturer, station_name, frame_of_reference_uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(studyId, m.seriesInstanceUID, ...Object.values(seriesColumns)).lastInsertRowid,
      );
    }

    db.prepare(
      `INSERT INTO series_sources (series_id, source_type, source_name, source_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (series_id) DO UPDATE SET source_type = excluded.source_type, source_name = excluded.source_name,
       source_id = excluded.source_id
       WHERE NOT (source_type IS excluded.source_type AND source_name IS excluded.source_name
         AND source_id IS excluded.source_id)`,
    ).run(seriesId, source.sourceType, source.sourceName, source.sourceId);

    const image = db
      .prepare('SELECT id FROM images WHERE series_id = ? AND sop_instance_uid = ?')
      .get(seriesId, m.sopInstanceUID) as { id: number } | undefined;
    let imageId: number;
    if (image) {
      imageId = image.id;
      updateIfChanged(db, 'images', imageId, {
        image_type: m.imageType,
        instance_number: m.instanceNumber,
      });
    } else {
      imageId = Number(
        db
          .prepare(
            'INSERT INTO images (series_id, sop_instance_uid, image_type, instance_number) VALUES (?, ?, ?, ?)',
          )
          .run(seriesId, m.sopInstanceUID, m.imageType, m.instanceNumber).lastInsertRowid,
      );
    }
    const row = db.prepare('SELECT * FROM images WHERE id = ?').get(imageId) as ImageRow;
    return { image: toImage(row), added: !image };
  }

  /**
   * Deletes image rows, then every series, study and patient that became empty (BEHAVIOR.md §6.3), in one
   * transaction. Series-level links (source, series types, series tags) go with their series; tags remain.
   * Anonymization keys of the deleted images are purged in the same transaction (`purge-empty-keys`, §11.6).
   */
  deleteImages(imageIds: readonly number[]): void {
    if (imageIds.length === 0) return;
    const db = this.db;
    db.transaction(() => {
      const seriesIds = new Set<number>();
      for (let i = 0; i < imageIds.length; i += BATCH) {
        const batch = imageIds.slice(i, i + BATCH);
        const marks = batch.map(() => '?').join(', ');
        for (const r of db
          .prepare(`SELECT DISTINCT series_id FROM images WHERE id IN (${marks})`)
          .all(...batch) as Array<{ series_id: number }>) {
          seriesIds.add(r.series_id);
        }
        db.prepare(`DELETE FROM images WHERE id IN (${marks})`).run(...batch);
        purgeKeysForImages(db, batch);
      }
      const studyIds = new Set<number>();
      for (const seriesId of seriesIds) {
        const empty = !db.prepare('SELECT 1 FROM images WHERE series_id = ? LIMIT 1').get(seriesId);
        if (!empty) continue;
        const s = db.prepare('SELECT study_id FROM series WHERE id = ?').get(seriesId) as
          { study_id: number } | undefined;
        if (s) studyIds.add(s.study_id);
        db.prepare('DELETE FROM series WHERE id = ?').run(seriesId);
      }
      const patientIds = new Set<number>();
      for (const studyId of studyIds) {
        const empty = !db.prepare('SELECT 1 FROM series WHERE study_id = ? LIMIT 1').get(studyId);
        if (!empty) continue;
        const s = db.prepare('SELECT patient_id FROM studies WHERE id = ?').get(studyId) as
          { patient_id: number } | undefined;
        if (s) patientIds.add(s.patient_id);
        db.prepare('DELETE FROM studies WHERE id = ?').run(studyId);
      }
      for (const patientId of patientIds) {
        const empty = !db
          .prepare('SELECT 1 FROM studies WHERE patient_id = ? LIMIT 1')
          .get(patientId);
        if (empty) db.prepare('DELETE FROM patients WHERE id = ?').run(patientId);
      }
    })();
  }
}
