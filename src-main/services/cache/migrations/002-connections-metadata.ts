import type { CacheMigration } from './index.js';

/**
 * Connection profiles (the password itself lives in the SecretStore, the row keeps only its
 * reference), metadata pages seen per connection, and the index of the size-bounded image store.
 */
export const connectionsMetadataMigration: CacheMigration = {
  version: 2,
  name: 'connections-metadata',
  sql: `
    CREATE TABLE connection_profiles (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL,
      url TEXT NOT NULL,
      user TEXT NOT NULL,
      secret_ref TEXT NOT NULL,
      created INTEGER NOT NULL,
      updated INTEGER NOT NULL
    );

    CREATE TABLE metadata_pages (
      connection_id TEXT NOT NULL,
      level TEXT NOT NULL CHECK (level IN ('patients', 'studies', 'series', 'images')),
      list_key TEXT NOT NULL,
      start_index INTEGER NOT NULL,
      count INTEGER NOT NULL,
      items TEXT NOT NULL,
      has_more INTEGER NOT NULL,
      fetched_at INTEGER NOT NULL,
      PRIMARY KEY (connection_id, level, list_key, start_index, count)
    );
    CREATE INDEX metadata_pages_fetched ON metadata_pages (connection_id, fetched_at);

    CREATE TABLE image_store (
      connection_id TEXT NOT NULL,
      image_id INTEGER NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('dicom', 'png')),
      variant TEXT NOT NULL DEFAULT '',
      path TEXT NOT NULL UNIQUE,
      size INTEGER NOT NULL,
      stored_at INTEGER NOT NULL,
      last_used INTEGER NOT NULL,
      PRIMARY KEY (connection_id, image_id, kind, variant)
    );
    CREATE INDEX image_store_lru ON image_store (last_used);
  `,
};
