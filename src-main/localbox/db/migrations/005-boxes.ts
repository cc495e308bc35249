import type { Migration } from '../migration.js';

/**
 * Boxes and the box transfer protocol (BEHAVIOR.md §12, §13).
 *
 * * Transactions keep their box id and name but have no foreign key to `boxes`: deleting a box leaves its
 *   transactions (§12.4).
 * * Outgoing images do not reference `images` (send does not check image ids, §12.5); the box service removes
 *   them on "images deleted" (§6.3). Incoming images do reference `images` (they are stored here), so deleting
 *   an image removes its incoming records by cascade, on every deletion path.
 * * `online` is not stored: it is live state kept in memory (false after start-up, §12.7).
 * * Deleting a box removes the tag-filter associations of that source (§6.4), as for users and import sessions.
 */
export const migration005: Migration = {
  version: 5,
  name: 'boxes',
  up: `
    CREATE TABLE boxes (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      name TEXT NOT NULL UNIQUE,
      token TEXT NOT NULL,
      base_url TEXT NOT NULL,
      send_method TEXT NOT NULL CHECK (send_method IN ('PUSH', 'POLL')),
      default_profile TEXT NOT NULL
    );
    CREATE INDEX boxes_token ON boxes(token);

    CREATE TABLE outgoing_transactions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      box_id INTEGER NOT NULL,
      box_name TEXT NOT NULL,
      profile TEXT NOT NULL,
      sent_image_count INTEGER NOT NULL,
      total_image_count INTEGER NOT NULL,
      created INTEGER NOT NULL,
      updated INTEGER NOT NULL,
      status TEXT NOT NULL
    );
    CREATE INDEX outgoing_transactions_box ON outgoing_transactions(box_id, created);
    CREATE INDEX outgoing_transactions_updated ON outgoing_transactions(updated);

    CREATE TABLE outgoing_images (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      outgoing_transaction_id INTEGER NOT NULL REFERENCES outgoing_transactions(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL,
      sequence_number INTEGER NOT NULL,
      sent INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX outgoing_images_transaction ON outgoing_images(outgoing_transaction_id, sent, sequence_number);
    CREATE INDEX outgoing_images_image ON outgoing_images(image_id);

    CREATE TABLE outgoing_tag_values (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      outgoing_image_id INTEGER NOT NULL REFERENCES outgoing_images(id) ON DELETE CASCADE,
      tag_path TEXT NOT NULL,
      value TEXT NOT NULL
    );
    CREATE INDEX outgoing_tag_values_image ON outgoing_tag_values(outgoing_image_id);

    CREATE TABLE incoming_transactions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      box_id INTEGER NOT NULL,
      box_name TEXT NOT NULL,
      outgoing_transaction_id INTEGER NOT NULL,
      received_image_count INTEGER NOT NULL,
      added_image_count INTEGER NOT NULL,
      total_image_count INTEGER NOT NULL,
      created INTEGER NOT NULL,
      updated INTEGER NOT NULL,
      status TEXT NOT NULL
    );
    CREATE UNIQUE INDEX incoming_transactions_box_outgoing
      ON incoming_transactions(box_id, outgoing_transaction_id);
    CREATE INDEX incoming_transactions_updated ON incoming_transactions(updated);

    CREATE TABLE incoming_images (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      incoming_transaction_id INTEGER NOT NULL REFERENCES incoming_transactions(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
      sequence_number INTEGER NOT NULL,
      overwrite INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX incoming_images_sequence ON incoming_images(incoming_transaction_id, sequence_number);
    CREATE INDEX incoming_images_image ON incoming_images(image_id);

    CREATE TRIGGER boxes_deleted_source_tag_filters AFTER DELETE ON boxes BEGIN
      DELETE FROM source_tag_filters WHERE source_type = 'box' AND source_id = OLD.id;
    END;
  `,
};
