import type { Migration } from '../migration.js';

/**
 * SCPs (DICOM receivers) and SCUs (DICOM senders), BEHAVIOR.md §16 and §17.
 *
 * * Names are unique (posting an existing name returns that row). An SCP's port and an SCU's (host, port) are
 *   unique too; the routes check them first and answer with Slicebox's messages, the indexes only guard.
 * * AE titles are stored as given (untrimmed), as Slicebox does.
 * * Deleting an SCP removes the tag-filter associations of that source (§6.4), as for the other sources.
 */
export const migration006: Migration = {
  version: 6,
  name: 'scp-scu',
  up: `
    CREATE TABLE scps (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      ae_title TEXT NOT NULL,
      port INTEGER NOT NULL UNIQUE
    );

    CREATE TABLE scus (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      ae_title TEXT NOT NULL,
      host TEXT NOT NULL,
      port INTEGER NOT NULL,
      UNIQUE (host, port)
    );

    CREATE TRIGGER scps_deleted_source_tag_filters AFTER DELETE ON scps BEGIN
      DELETE FROM source_tag_filters WHERE source_type = 'scp' AND source_id = OLD.id;
    END;
  `,
};
