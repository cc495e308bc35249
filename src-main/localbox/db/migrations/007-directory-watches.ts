import type { Migration } from '../migration.js';

/**
 * Directory watches, BEHAVIOR.md §15 (code: `watching/`).
 *
 * * `directory_watches`: one row per watch. `path` is stored as given (Slicebox looks watches up by that exact
 *   string); names are not unique (Slicebox does not require it).
 * * `directory_watch_files`: what the watcher already handled, per (watch, path relative to the watched
 *   directory). A file is handled again only when its size or modification time differs from the row, so an
 *   engine restart re-imports nothing unchanged (and re-logs no rejection), while a modified file is imported
 *   again (§15: "created or modified files"). `outcome` is `imported` (with the image id) or `rejected` (with the
 *   reason that was logged). Rows go with their watch (cascade) and when the file disappears.
 * * Deleting a watch removes the tag-filter associations of that source (§6.4), as for the other sources.
 */
export const migration007: Migration = {
  version: 7,
  name: 'directory-watches',
  up: `
    CREATE TABLE directory_watches (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      path TEXT NOT NULL UNIQUE
    );

    CREATE TABLE directory_watch_files (
      watch_id INTEGER NOT NULL REFERENCES directory_watches(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      size INTEGER NOT NULL,
      mtime_ms REAL NOT NULL,
      outcome TEXT NOT NULL CHECK (outcome IN ('imported', 'rejected')),
      image_id INTEGER,
      reason TEXT,
      handled INTEGER NOT NULL,
      PRIMARY KEY (watch_id, path)
    ) WITHOUT ROWID;

    CREATE TRIGGER directory_watches_deleted_source_tag_filters AFTER DELETE ON directory_watches BEGIN
      DELETE FROM source_tag_filters WHERE source_type = 'directory' AND source_id = OLD.id;
    END;
  `,
};
