/**
 * Anonymization wiring of the local box (BEHAVIOR.md §11): the database-backed key store, the in-place / copy
 * anonymization service, reverse anonymization on receipt and the CSV export. The pure anonymization library is
 * `../anonymization/`.
 */
export { AnonymizationKeyStore, KEY_COLUMNS, purgeKeysForImages } from './key-store.js';
export type {
  AnonymizationKey,
  AnonymizationKeyValue,
  KeyListOptions,
  KeyQuery,
  KeyQueryProperty,
} from './key-store.js';
export { AnonymizationService, SerialQueue, validateProfile } from './anonymization-service.js';
export type { ImageTagValues } from './anonymization-service.js';
export { reverseAnonymizeOnReceipt } from './reverse-on-receipt.js';
export { CSV_FILE_NAME, keysCsv } from './csv-export.js';
