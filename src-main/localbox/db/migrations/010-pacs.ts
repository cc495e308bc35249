import type { Migration } from '../migration.js';

/**
 * PACS query/retrieve, a desktop extension (issue 12; code: `pacs/`, routes `/api/x-desktop/pacs/...`).
 *
 * * `pacs_nodes`: settings of an SCU used as a PACS node (retrieve method, calling AE title, destination SCP,
 *   timeout, result limit). A row only exists once settings were saved (defaults otherwise); it goes with its SCU
 *   (cascade). `destination_scp_id` is not a foreign key: a deleted SCP falls back to "none" and is reported
 *   when a retrieve needs it.
 * * `pacs_retrieves`: retrieve jobs. `scu_id` is not a foreign key either: a job is history and outlives its node
 *   (its name is kept in `node_name`); a retry on a deleted node fails with `node-deleted`, or names another node.
 * * `pacs_retrieve_items`: the studies/series of a job in order, with the last progress the PACS reported, the
 *   images received, the final DIMSE status and the error (XPacsError JSON).
 */
export const migration010: Migration = {
  version: 10,
  name: 'pacs',
  up: `
    CREATE TABLE pacs_nodes (
      scu_id INTEGER PRIMARY KEY REFERENCES scus(id) ON DELETE CASCADE,
      retrieve_method TEXT NOT NULL CHECK (retrieve_method IN ('C-MOVE', 'C-GET')),
      calling_ae_title TEXT,
      destination_scp_id INTEGER,
      timeout_seconds INTEGER NOT NULL,
      max_results INTEGER NOT NULL
    );

    CREATE TABLE pacs_retrieves (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      scu_id INTEGER NOT NULL,
      node_name TEXT NOT NULL,
      method TEXT NOT NULL CHECK (method IN ('C-MOVE', 'C-GET')),
      destination_ae_title TEXT,
      status TEXT NOT NULL,
      created INTEGER NOT NULL,
      updated INTEGER NOT NULL
    );
    CREATE INDEX pacs_retrieves_status ON pacs_retrieves(status);

    CREATE TABLE pacs_retrieve_items (
      retrieve_id INTEGER NOT NULL REFERENCES pacs_retrieves(id) ON DELETE CASCADE,
      position INTEGER NOT NULL,
      level TEXT NOT NULL CHECK (level IN ('STUDY', 'SERIES')),
      study_instance_uid TEXT NOT NULL,
      series_instance_uid TEXT,
      label TEXT,
      status TEXT NOT NULL,
      completed INTEGER NOT NULL DEFAULT 0,
      remaining INTEGER,
      failed INTEGER NOT NULL DEFAULT 0,
      warning INTEGER NOT NULL DEFAULT 0,
      received INTEGER NOT NULL DEFAULT 0,
      dimse_status INTEGER,
      error TEXT,
      started INTEGER,
      finished INTEGER,
      PRIMARY KEY (retrieve_id, position)
    );
  `,
};
