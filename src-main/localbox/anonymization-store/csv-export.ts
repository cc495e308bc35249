/**
 * `GET /anonymization/keys/export/csv` (BEHAVIOR.md §11.8): one row per (key, key value); a key without values
 * gives one row with the placeholder tag path `(0000,0000)` and two empty value columns.
 *
 * Format (the "Unclear" points decided in DECISIONS.md): `;` separated, `\r\n` line ends, a field is quoted with
 * `"` only when it contains `;`, `"`, CR or LF, and an embedded `"` is doubled (RFC 4180 style; backslashes are
 * not escape characters).
 */
import { tagPathToString } from '../anonymization/index.js';
import type { AnonymizationKey, AnonymizationKeyValue } from './key-store.js';

export const CSV_FILE_NAME = 'slicebox-anonymization-info.csv';

export const CSV_HEADER = [
  'ID',
  'Image ID',
  'Created',
  'Patient Name',
  'Anonymous Patient Name',
  'Patient ID',
  'Anonymous Patient ID',
  'Study Instance UID',
  'Anonymous Study Instance UID',
  'Series Instance UID',
  'Anonymous Series Instance UID',
  'SOP Instance UID',
  'Anonymous SOP Instance UID',
  'Tag Path',
  'Value',
  'Anonymized Value',
] as const;

/** String form of the tag path used for keys that have no values. */
export const NO_VALUE_TAG_PATH = '(0000,0000)';

export function csvField(value: string): string {
  return /[;"\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(';')}\r\n`;
}

function keyFields(k: AnonymizationKey): string[] {
  return [
    String(k.id),
    String(k.imageId),
    String(k.created),
    k.patientName,
    k.anonPatientName,
    k.patientID,
    k.anonPatientID,
    k.studyInstanceUID,
    k.anonStudyInstanceUID,
    k.seriesInstanceUID,
    k.anonSeriesInstanceUID,
    k.sopInstanceUID,
    k.anonSOPInstanceUID,
  ];
}

/** The whole CSV document. */
export function keysCsv(
  keys: Iterable<{ key: AnonymizationKey; values: AnonymizationKeyValue[] }>,
): string {
  const lines = [csvLine(CSV_HEADER)];
  for (const { key, values } of keys) {
    const fields = keyFields(key);
    if (values.length === 0) {
      lines.push(csvLine([...fields, NO_VALUE_TAG_PATH, '', '']));
      continue;
    }
    for (const v of values) {
      lines.push(csvLine([...fields, tagPathToString(v.tagPath), v.value, v.anonymizedValue]));
    }
  }
  return lines.join('');
}
