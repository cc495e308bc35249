/**
 * Import jobs: one row per drop (or picked set of files), one row per file with what happened to it.
 * A job is resumed from these rows after a restart; see src-main/services/imports/README.md.
 */
import type { CacheMigration } from './index.js';

export const importJobsMigration: CacheMigration = {
  version: 1,
  name: 'import-jobs',
  sql: `
    CREATE TABLE import_jobs (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      connection_id TEXT NOT NULL,
      -- preparing | running | paused | waiting | done | cancelled | failed
      state TEXT NOT NULL,
      error TEXT,
      session_id INTEGER,
      created INTEGER NOT NULL,
      finished INTEGER,
      -- the folder owning this job's staged copies and zip extractions
      work_dir TEXT NOT NULL,
      -- JSON array of the FileRefs given to imports.start, kept until the job is prepared
      sources TEXT NOT NULL
    );
    CREATE TABLE import_job_files (
      job_id TEXT NOT NULL REFERENCES import_jobs(id) ON DELETE CASCADE,
      seq INTEGER NOT NULL,
      name TEXT NOT NULL,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      -- pending | uploading | added | present | rejected | failed | skipped
      state TEXT NOT NULL,
      reason TEXT,
      image_id INTEGER,
      sop_instance_uid TEXT,
      -- 1 when path is a copy owned by the job (staged or extracted), removed once the file is settled
      staged INTEGER NOT NULL DEFAULT 0,
      attempts INTEGER NOT NULL DEFAULT 0,
      PRIMARY KEY (job_id, seq)
    );
    CREATE INDEX import_job_files_pending ON import_job_files (job_id, state);
  `,
};
