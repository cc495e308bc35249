import type { Migration } from '../migration.js';

/**
 * Forwarding rules and their transactions, BEHAVIOR.md §18 (code: `forwarding/`).
 *
 * * `forwarding_rules`: unique on (source type, source id, destination type, destination id); names are stored as
 *   posted (Slicebox keeps them in the rule). Posting an equal rule returns the existing row (quirk 4).
 * * `forwarding_transactions`: one batch of images of one rule, with `state` OPEN → ENROUTE → DELIVERED (see
 *   forwarding/forwarding-service.ts). At most one OPEN transaction per rule (partial unique index), so an image
 *   added from a matching source always lands in the same queue. `outgoing_transaction_id` is the box outgoing
 *   transaction a box dispatch created (§12.5); `attempts` counts failed dispatches (for logging).
 * * `forwarding_transaction_images`: the queued images (an image once per transaction). Deleting images removes
 *   their rows (the "images deleted" event, §6.3); there is no foreign key to `images` because the stored image
 *   rows are deleted by the metadata layer independently.
 * * Deleting a rule deletes its transactions and their image rows (cascade): forwarding for it stops.
 */
export const migration008: Migration = {
  version: 8,
  name: 'forwarding',
  up: `
    CREATE TABLE forwarding_rules (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      source_type TEXT NOT NULL,
      source_name TEXT NOT NULL,
      source_id INTEGER NOT NULL,
      destination_type TEXT NOT NULL,
      destination_name TEXT NOT NULL,
      destination_id INTEGER NOT NULL,
      keep_images INTEGER NOT NULL,
      UNIQUE (source_type, source_id, destination_type, destination_id)
    );

    CREATE TABLE forwarding_transactions (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      rule_id INTEGER NOT NULL REFERENCES forwarding_rules(id) ON DELETE CASCADE,
      state TEXT NOT NULL CHECK (state IN ('OPEN', 'ENROUTE', 'DELIVERED')),
      created INTEGER NOT NULL,
      updated INTEGER NOT NULL,
      outgoing_transaction_id INTEGER,
      attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE UNIQUE INDEX forwarding_transactions_one_open
      ON forwarding_transactions (rule_id) WHERE state = 'OPEN';
    CREATE INDEX forwarding_transactions_state ON forwarding_transactions (state, updated);

    CREATE TABLE forwarding_transaction_images (
      transaction_id INTEGER NOT NULL REFERENCES forwarding_transactions(id) ON DELETE CASCADE,
      image_id INTEGER NOT NULL,
      PRIMARY KEY (transaction_id, image_id)
    ) WITHOUT ROWID;
    CREATE INDEX forwarding_transaction_images_image ON forwarding_transaction_images (image_id);
  `,
};
