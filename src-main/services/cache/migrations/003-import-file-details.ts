import type { CacheMigration } from './index.js';

/**
 * Import files: what the file's header says (SOP class, transfer syntax: the order in which copies of
 * one image are tried, and readable rejections), and for a rejection the hint shown with it and the
 * server's own words.
 */
export const importFileDetailsMigration: CacheMigration = {
  version: 3,
  name: 'import-file-details',
  sql: `
    ALTER TABLE import_job_files ADD COLUMN sop_class_uid TEXT;
    ALTER TABLE import_job_files ADD COLUMN transfer_syntax_uid TEXT;
    ALTER TABLE import_job_files ADD COLUMN hint TEXT;
    ALTER TABLE import_job_files ADD COLUMN detail TEXT;
  `,
};
