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

/** `[a, b, …]` as `{ v0: a, v1: b, … }`, for statements that name each value twice. */
function named(values: readonly unknown[]): Record<string, unknown> {
  return Object.fromEntries(values.map((v, i) => [`v${i}`, v]));
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
      db.prepare(
        `UPDATE patients SET patient_birth_date = @birthDate, patient_sex = @sex
         WHERE id = @id AND NOT (patient_birth_date IS @birthDate AND patient_sex IS @sex)`,
      ).run({ birthDate: m.patientBirthDate, sex: m.patientSex, id: patientId });
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
    const studyValues = [
      m.studyDescription,
      m.studyDate,
      m.studyID,
      m.accessionNumber,
      m.patientAge,
    ];
    let studyId: number;
    if (study) {
      studyId = study.id;
      db.prepare(
        `UPDATE studies SET study_description = @v0, study_date = @v1, study_id = @v2, accession_number = @v3,
         patient_age = @v4
         WHERE id = @id AND NOT (study_description IS @v0 AND study_date IS @v1 AND study_id IS @v2
           AND accession_number IS @v3 AND patient_age IS @v4)`,
      ).run({ ...named(studyValues), id: studyId });
    } else {
      studyId = Number(
        db
          .prepare(
            `INSERT INTO studies (patient_id, study_instance_uid, study_description, study_date, study_id, accession_number, patient_age)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(patientId, m.studyInstanceUID, ...studyValues).lastInsertRowid,
      );
    }

    const series = db
      .prepare('SELECT id FROM series WHERE study_id = ? AND series_instance_uid = ?')
      .get(studyId, m.seriesInstanceUID) as { id: number } | undefined;
    const seriesValues = [
      m.seriesDescription,
      m.seriesDate,
      m.modality,
      m.protocolName,
      m.bodyPartExamined,
      m.manufacturer,
      m.stationName,
      m.frameOfReferenceUID,
    ];
    let seriesId: number;
    if (series) {
      seriesId = series.id;
      db.prepare(
        `UPDATE series SET series_description = @v0, series_date = @v1, modality = @v2, protocol_name = @v3,
         body_part_examined = @v4, manufacturer = @v5, station_name = @v6, frame_of_reference_uid = @v7
         WHERE id = @id AND NOT (series_description IS @v0 AND series_date IS @v1 AND modality IS @v2
           AND protocol_name IS @v3 AND body_part_examined IS @v4 AND manufacturer IS @v5 AND station_name IS @v6
           AND frame_of_reference_uid IS @v7)`,
      ).run({ ...named(seriesValues), id: seriesId });
    } else {
      seriesId = Number(
        db
          .prepare(
            `INSERT INTO series (study_id, series_instance_uid, series_description, series_date, modality, protocol_name,
           body_part_examined, manufacturer, station_name, frame_of_reference_uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(studyId, m.seriesInstanceUID, ...seriesValues).lastInsertRowid,
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
      db.prepare(
        `UPDATE images SET image_type = @imageType, instance_number = @instanceNumber
         WHERE id = @id AND NOT (image_type IS @imageType AND instance_number IS @instanceNumber)`,
      ).run({ imageType: m.imageType, instanceNumber: m.instanceNumber, id: imageId });
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
