/**
 * Reverse anonymization on receipt (BEHAVIOR.md §11.7).
 */
import { dictionaryVr } from './dictionary.js';
import { findElement, parseDicomFile, setElement, writeDicomFile } from './dicom-codec.js';
import type { DicomDataset } from './dicom-codec.js';
import { isAnonymousDataset } from './anonymize.js';
import {
  DEFAULT_KEY_ATTRIBUTES,
  FIXED_EXTRA_KEY_ATTRIBUTES,
  LEVEL_ORDER,
  MAIN_FIELDS,
  MAIN_KEY_ATTRIBUTES,
  TAG,
  findKeyByLevels,
  keyValueFor,
} from './keys.js';
import type { KeyAttribute, KeyLevel, KeyLookup, KeyMatch, StoredKey } from './keys.js';
import { stringElement, stringValue, toUtf8 } from './text-values.js';

export interface ReverseOptions {
  keys: KeyLookup;
  /** Configurable `anonymization.key-attributes`; default DEFAULT_KEY_ATTRIBUTES. */
  keyAttributes?: readonly KeyAttribute[];
}

export interface ReverseResult {
  /** The restored file, or the input unchanged when nothing was reversed. */
  bytes: Uint8Array;
  reversed: boolean;
  /** The key used and the level it matched at. */
  key?: StoredKey;
  matchLevel?: KeyLevel;
}

function setRoot(ds: DicomDataset, tag: number, value: string): void {
  const existing = findElement(ds, tag);
  const vr = existing && existing.vr !== 'UN' ? existing.vr : dictionaryVr(tag);
  setElement(ds, stringElement(tag, vr, value));
}

function incomingValuesOf(ds: DicomDataset): Omit<KeyMatch, 'level'> {
  const of = (tag: number): string => stringValue(findElement(ds, tag));
  return {
    patientName: of(TAG.PatientName),
    patientID: of(TAG.PatientID),
    studyInstanceUID: of(TAG.StudyInstanceUID),
    seriesInstanceUID: of(TAG.SeriesInstanceUID),
    sopInstanceUID: of(TAG.SOPInstanceUID),
  };
}

/**
 * The anonymized values `reverseAnonymizeDataset` matches keys on, read without changing anything; undefined
 * when the data is not flagged anonymous (nothing would be looked up). See `prefetchKeyMatch`.
 */
export function reverseKeyValues(bytes: Uint8Array): Omit<KeyMatch, 'level'> | undefined {
  const ds = parseDicomFile(bytes).dataset;
  if (!isAnonymousDataset(ds)) return undefined;
  toUtf8(ds);
  return incomingValuesOf(ds);
}

/**
 * If the data is flagged anonymous (PatientIdentityRemoved = YES) and a key matches its anonymized values
 * (IMAGE, else SERIES, STUDY, PATIENT level), every recorded key attribute at or above the match level is set
 * back to its real value (inserted if absent; root level only) and the data is re-encoded (UTF-8, undefined-
 * length sequences). Otherwise the input bytes are returned unchanged.
 */
export function reverseAnonymizeDataset(bytes: Uint8Array, options: ReverseOptions): ReverseResult {
  const file = parseDicomFile(bytes);
  const ds = file.dataset;
  if (!isAnonymousDataset(ds)) return { bytes, reversed: false };

  toUtf8(ds);
  const incoming = (tag: number): string => stringValue(findElement(ds, tag));
  const match = findKeyByLevels(
    (m) => options.keys.findNewestByAnonymizedValues(m),
    incomingValuesOf(ds),
  );
  if (!match) return { bytes, reversed: false };

  const { key, level } = match;
  const attributes = [
    ...MAIN_KEY_ATTRIBUTES,
    ...FIXED_EXTRA_KEY_ATTRIBUTES,
    ...(options.keyAttributes ?? DEFAULT_KEY_ATTRIBUTES),
  ];
  for (const attr of attributes) {
    if (LEVEL_ORDER[attr.level] > LEVEL_ORDER[level]) continue;
    const main = MAIN_FIELDS.get(attr.tag);
    // Main attributes are recorded only when the original had a non-empty value; extras only when present.
    const real = main ? key[main.real] || undefined : keyValueFor(key, attr.tag)?.value;
    if (real === undefined) continue;
    setRoot(ds, attr.tag, real);
  }

  const meta = file.meta.filter((e) => (e.tag & 0xffff) !== 0);
  const sop = incoming(TAG.SOPInstanceUID);
  if (sop) setElement(meta, stringElement(TAG.MediaStorageSOPInstanceUID, 'UI', sop));
  const out = writeDicomFile({ ...file, meta, dataset: ds });
  return { bytes: out, reversed: true, key, matchLevel: level };
}
