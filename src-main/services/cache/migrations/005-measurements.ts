import type { CacheMigration } from './index.js';

/**
 * The viewer's measurements (issue 11): one row per measurement on one frame of one image, keyed by
 * connection, SOP Instance UID and frame. Points, figures and context are JSON. Never written into DICOM.
 */
export const measurementsMigration: CacheMigration = {
  version: 5,
  name: 'measurements',
  sql: `
    CREATE TABLE measurements (
      id TEXT PRIMARY KEY,
      connection_id TEXT NOT NULL,
      sop_instance_uid TEXT NOT NULL,
      frame INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('length', 'angle', 'ellipse', 'rectangle', 'probe')),
      points TEXT NOT NULL,
      measured TEXT NOT NULL,
      note TEXT,
      context TEXT NOT NULL,
      created_at INTEGER NOT NULL,
      updated_at INTEGER NOT NULL
    );
    CREATE INDEX measurements_by_image ON measurements (connection_id, sop_instance_uid, frame);
  `,
};
