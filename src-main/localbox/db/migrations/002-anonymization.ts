import type { Migration } from '../migration.js';

/**
 * Anonymization keys and their extra values (BEHAVIOR.md §11.5). `image_id` is deliberately not a foreign key:
 * keys are purged explicitly when their image is deleted (§11.6, anonymization-store/key-store.ts).
 * The two five-column indexes serve the harmonization lookup by real values (§11.4) and reverse anonymization
 * by anonymized values (§11.7) at every level (their prefixes are PATIENT, STUDY, SERIES, IMAGE).
 */
export const migration002: Migration = {
  version: 2,
  name: 'anonymization',
  up: `
    CREATE TABLE anonymization_keys (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created INTEGER NOT NULL,
      image_id INTEGER NOT NULL,
      patient_name TEXT NOT NULL,
      anon_patient_name TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      anon_patient_id TEXT NOT NULL,
      study_instance_uid TEXT NOT NULL,
      anon_study_instance_uid TEXT NOT NULL,
      series_instance_uid TEXT NOT NULL,
      anon_series_instance_uid TEXT NOT NULL,
      sop_instance_uid TEXT NOT NULL,
      anon_sop_instance_uid TEXT NOT NULL
    );
    CREATE INDEX anonymization_keys_image_id ON anonymization_keys(image_id);
    CREATE INDEX anonymization_keys_real ON anonymization_keys(
      patient_name, patient_id, study_instance_uid, series_instance_uid, sop_instance_uid);
    CREATE INDEX anonymization_keys_anon ON anonymization_keys(
      anon_patient_name, anon_patient_id, anon_study_instance_uid, anon_series_instance_uid,
      anon_sop_instance_uid);

    CREATE TABLE anonymization_key_values (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      anonymization_key_id INTEGER NOT NULL REFERENCES anonymization_keys(id) ON DELETE CASCADE,
      tag_path TEXT NOT NULL,
      value TEXT NOT NULL,
      anonymized_value TEXT NOT NULL
    );
    CREATE INDEX anonymization_key_values_key ON anonymization_key_values(anonymization_key_id);
  `,
};
