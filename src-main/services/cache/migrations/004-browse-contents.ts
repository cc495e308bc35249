import type { CacheMigration } from './index.js';

/**
 * What the browser counted inside studies and series (image and series counts, modalities, the image a
 * series' thumbnail shows), per connection, so the rows say what is inside when the server is gone.
 */
export const browseContentsMigration: CacheMigration = {
  version: 4,
  name: 'browse-contents',
  sql: `
    CREATE TABLE browse_contents (
      connection_id TEXT NOT NULL,
      kind TEXT NOT NULL CHECK (kind IN ('study', 'series')),
      entity_id INTEGER NOT NULL,
      -- the StudyContents or SeriesContents as JSON
      contents TEXT NOT NULL,
      counted_at INTEGER NOT NULL,
      PRIMARY KEY (connection_id, kind, entity_id)
    );
  `,
};
