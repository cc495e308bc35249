import type { Migration } from '../migration.js';

/**
 * Series type rules and their attributes (BEHAVIOR.md §20), tag filters with their tag paths and source
 * associations (§19). `series_types`, `series_tags` and their series links already exist (migration 1).
 * Deleting a user or an import session removes the filter associations of that source (§6.4) via triggers, so
 * no deletion path can forget it; boxes, SCPs and directory watches add their own triggers with their tables.
 */
export const migration003: Migration = {
  version: 3,
  name: 'seriestypes-filtering',
  up: `
    CREATE TABLE series_type_rules (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      series_type_id INTEGER NOT NULL REFERENCES series_types(id) ON DELETE CASCADE
    );
    CREATE INDEX series_type_rules_type ON series_type_rules(series_type_id);

    CREATE TABLE series_type_rule_attributes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      series_type_rule_id INTEGER NOT NULL REFERENCES series_type_rules(id) ON DELETE CASCADE,
      tag INTEGER NOT NULL,
      name TEXT NOT NULL,
      tag_path TEXT,
      name_path TEXT,
      attribute_values TEXT NOT NULL
    );
    CREATE INDEX series_type_rule_attributes_rule ON series_type_rule_attributes(series_type_rule_id);

    CREATE TABLE tag_filters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL,
      tag_filter_type TEXT NOT NULL CHECK (tag_filter_type IN ('WHITELIST', 'BLACKLIST'))
    );

    CREATE TABLE tag_filter_tag_paths (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      tag_filter_id INTEGER NOT NULL REFERENCES tag_filters(id) ON DELETE CASCADE,
      tag_tree TEXT NOT NULL
    );
    CREATE INDEX tag_filter_tag_paths_filter ON tag_filter_tag_paths(tag_filter_id);

    CREATE TABLE source_tag_filters (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      source_type TEXT NOT NULL,
      source_name TEXT NOT NULL,
      source_id INTEGER NOT NULL,
      tag_filter_id INTEGER NOT NULL REFERENCES tag_filters(id) ON DELETE CASCADE,
      tag_filter_name TEXT NOT NULL
    );
    CREATE INDEX source_tag_filters_source ON source_tag_filters(source_type, source_id);
    CREATE INDEX source_tag_filters_filter ON source_tag_filters(tag_filter_id);

    CREATE TRIGGER users_deleted_source_tag_filters AFTER DELETE ON users BEGIN
      DELETE FROM source_tag_filters WHERE source_type = 'user' AND source_id = OLD.id;
    END;
    CREATE TRIGGER import_sessions_deleted_source_tag_filters AFTER DELETE ON import_sessions BEGIN
      DELETE FROM source_tag_filters WHERE source_type = 'import' AND source_id = OLD.id;
    END;
  `,
};
