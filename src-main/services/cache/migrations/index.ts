/**
 * The cache's numbered migrations, in order. Add a new file `NNN-name.ts` exporting a CacheMigration and
 * list it here; never edit one that has shipped.
 */
import { importJobsMigration } from './001-import-jobs.js';
import { connectionsMetadataMigration } from './002-connections-metadata.js';
import { importFileDetailsMigration } from './003-import-file-details.js';
import { browseContentsMigration } from './004-browse-contents.js';
import { measurementsMigration } from './005-measurements.js';

export interface CacheMigration {
  version: number;
  name: string;
  sql: string;
}

export const CACHE_MIGRATIONS: readonly CacheMigration[] = [
  importJobsMigration,
  connectionsMetadataMigration,
  importFileDetailsMigration,
  browseContentsMigration,
  measurementsMigration,
];
