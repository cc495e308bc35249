import type { Migration } from '../migration.js';

/** Users, sessions, metadata hierarchy, series sources/types/tags, import sessions, log. */
export const migration001: Migration = {
  version: 1,
  name: 'initial',
  up: `
    CREATE TABLE users (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user TEXT NOT NULL UNIQUE,
      role TEXT NOT NULL CHECK (role IN ('SUPERUSER', 'ADMINISTRATOR', 'USER')),
      hashed_password TEXT NOT NULL
    );
    CREATE INDEX users_role ON users(role);

    CREATE TABLE sessions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      token TEXT NOT NULL UNIQUE,
      ip TEXT NOT NULL,
      user_agent_md5 TEXT NOT NULL,
      last_used INTEGER NOT NULL
    );
    CREATE INDEX sessions_binding ON sessions(user_id, ip, user_agent_md5);
    CREATE INDEX sessions_last_used ON sessions(last_used);

    CREATE TABLE patients (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      patient_name TEXT NOT NULL,
      patient_id TEXT NOT NULL,
      patient_birth_date TEXT NOT NULL,
      patient_sex TEXT NOT NULL
    );
    CREATE UNIQUE INDEX patients_identity ON patients(patient_name, patient_id);
    CREATE INDEX patients_patient_id ON patients(patient_id);

    CREATE TABLE studies (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      patient_id INTEGER NOT NULL REFERENCES patients(id),
      study_instance_uid TEXT NOT NULL,
      study_description TEXT NOT NULL,
      study_date TEXT NOT NULL,
      study_id TEXT NOT NULL,
      accession_number TEXT NOT NULL,
      patient_age TEXT NOT NULL
    );
    CREATE UNIQUE INDEX studies_identity ON studies(patient_id, study_instance_uid);
    CREATE INDEX studies_study_instance_uid ON studies(study_instance_uid);

    CREATE TABLE series (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      study_id INTEGER NOT NULL REFERENCES studies(id),
      series_instance_uid TEXT NOT NULL,
      series_description TEXT NOT NULL,
      series_date TEXT NOT NULL,
      modality TEXT NOT NULL,
      protocol_name TEXT NOT NULL,
      body_part_examined TEXT NOT NULL,
      manufacturer TEXT NOT NULL,
      station_name TEXT NOT NULL,
      frame_of_reference_uid TEXT NOT NULL
    );
    CREATE UNIQUE INDEX series_identity ON series(study_id, series_instance_uid);
    CREATE INDEX series_series_instance_uid ON series(series_instance_uid);

    CREATE TABLE images (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      series_id INTEGER NOT NULL REFERENCES series(id),
      sop_instance_uid TEXT NOT NULL,
      image_type TEXT NOT NULL,
      instance_number TEXT NOT NULL
    );
    CREATE UNIQUE INDEX images_identity ON images(series_id, sop_instance_uid);
    CREATE INDEX images_sop_instance_uid ON images(sop_instance_uid);

    CREATE TABLE series_sources (
      series_id INTEGER PRIMARY KEY REFERENCES series(id) ON DELETE CASCADE,
      source_type TEXT NOT NULL,
      source_name TEXT NOT NULL,
      source_id INTEGER NOT NULL
    );
    CREATE INDEX series_sources_source ON series_sources(source_type, source_id);

    CREATE TABLE series_types (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE series_series_types (
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      series_type_id INTEGER NOT NULL REFERENCES series_types(id) ON DELETE CASCADE,
      PRIMARY KEY (series_id, series_type_id)
    );
    CREATE INDEX series_series_types_type ON series_series_types(series_type_id);

    CREATE TABLE series_tags (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE
    );
    CREATE TABLE series_series_tags (
      series_id INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
      series_tag_id INTEGER NOT NULL REFERENCES series_tags(id) ON DELETE CASCADE,
      PRIMARY KEY (series_id, series_tag_id)
    );
    CREATE INDEX series_series_tags_tag ON series_series_tags(series_tag_id);

    CREATE TABLE import_sessions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      user_id INTEGER NOT NULL,
      user TEXT NOT NULL,
      files_imported INTEGER NOT NULL DEFAULT 0,
      files_added INTEGER NOT NULL DEFAULT 0,
      files_rejected INTEGER NOT NULL DEFAULT 0,
      created INTEGER NOT NULL,
      last_updated INTEGER NOT NULL
    );
    CREATE INDEX import_sessions_user_id ON import_sessions(user_id);

    CREATE TABLE import_session_images (
      import_session_id INTEGER NOT NULL REFERENCES import_sessions(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      PRIMARY KEY (import_session_id, image_id)
    );
    CREATE INDEX import_session_images_image ON import_session_images(image_id);

    CREATE TABLE log (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      created INTEGER NOT NULL,
      entry_type TEXT NOT NULL CHECK (entry_type IN ('DEFAULT', 'INFO', 'WARN', 'ERROR')),
      subject TEXT NOT NULL,
      message TEXT NOT NULL
    );
    CREATE INDEX log_created ON log(created);
    CREATE INDEX log_subject ON log(subject);
    CREATE INDEX log_entry_type ON log(entry_type);
  `,
};
