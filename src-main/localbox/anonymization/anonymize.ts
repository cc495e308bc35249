/**
 * The anonymization pipeline for one image (BEHAVIOR.md §11.4), as a pure function over bytes plus a key lookup.
 */
import { dictionaryVr } from './dictionary.js';
import {
  findElement,
  parseDicomFile,
  removeElement,
  setElement,
  writeDicomFile,
} from './dicom-codec.js';
import type { DicomDataset, DicomElement } from './dicom-codec.js';
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
import type {
  KeyAttribute,
  KeyLevel,
  KeyLookup,
  KeyMatch,
  KeyValueData,
  NewKeyData,
  StoredKey,
} from './keys.js';
import { resolveProfile } from './profile.js';
import type { AnonymizationProfile } from './profile.js';
import { rootTagPath, tagPathSteps, tagPathToString } from './tag-path.js';
import type { TagPath } from './tag-path.js';
import { stringElement, stringValue, toUtf8 } from './text-values.js';
import { newRandomUid } from './uid.js';

/** A custom anonymized value (`TagValue` of §11.8): the tag path must address an element. */
export interface TagValue {
  tagPath: TagPath;
  value: string;
}

export interface AnonymizeOptions {
  /** Option names exactly as they apply (BASIC_PROFILE is NOT added here; see withBasicProfile). */
  profile: readonly string[];
  keys: KeyLookup;
  tagValues?: readonly TagValue[];
  /** Configurable `anonymization.key-attributes`; default DEFAULT_KEY_ATTRIBUTES. */
  keyAttributes?: readonly KeyAttribute[];
  /**
   * In-place anonymization (PUT /images/{id}/anonymize, POST /anonymization/anonymize): delete
   * PatientIdentityRemoved and DeidentificationMethod first, so already-anonymous data is anonymized again.
   */
  force?: boolean;
}

export interface AnonymizeResult {
  /** The anonymized file, or the input unchanged when it was already anonymous. */
  bytes: Uint8Array;
  /** Key data to insert (with imageId and created), or null when nothing was anonymized. */
  key: NewKeyData | null;
  /** False when the data was already anonymous and returned unchanged. */
  anonymized: boolean;
  /** Level at which an existing key matched (harmonization), if any. */
  matchLevel?: KeyLevel;
}

/** (0012,0062) equals YES, case-insensitive (§11.1). */
export function isAnonymousDataset(ds: DicomDataset): boolean {
  return stringValue(findElement(ds, TAG.PatientIdentityRemoved)).toUpperCase() === 'YES';
}

/** Is this file already anonymous (PatientIdentityRemoved = YES)? */
export function isAnonymous(bytes: Uint8Array): boolean {
  return isAnonymousDataset(parseDicomFile(bytes).dataset);
}

function isGroupLength(tag: number): boolean {
  return (tag & 0xffff) === 0;
}

/** Code U: every value of the element gets a new random UID. */
function withNewUids(el: DicomElement): DicomElement {
  const count = stringValue(el).split('\\').length;
  return stringElement(el.tag, el.vr, Array.from({ length: count }, newRandomUid).join('\\'));
}

/** Applies the table rules (§11.3) to a dataset and, recursively, to the items of kept sequences. */
function applyRules(ds: DicomDataset, profile: AnonymizationProfile): DicomDataset {
  const out: DicomDataset = [];
  for (const el of ds) {
    if (isGroupLength(el.tag)) continue;
    const action = profile.actionFor(el.tag);
    if (action === 'remove') continue;
    if (action === 'empty') {
      out.push(
        el.items
          ? { tag: el.tag, vr: el.vr, items: [] }
          : { tag: el.tag, vr: el.vr, value: new Uint8Array(0) },
      );
      continue;
    }
    if (el.items) {
      out.push({ ...el, items: el.items.map((item) => applyRules(item, profile)) });
      continue;
    }
    out.push(action === 'replaceUid' && stringValue(el) !== '' ? withNewUids(el) : el);
  }
  return out;
}

function setRootString(ds: DicomDataset, tag: number, value: string): void {
  const existing = findElement(ds, tag);
  const vr = existing && existing.vr !== 'UN' ? existing.vr : dictionaryVr(tag);
  setElement(ds, stringElement(tag, vr === 'UN' && !existing ? 'LO' : vr, value));
}

/** Applies a custom tag value: root elements are inserted or replaced; nested ones only inside existing items. */
function applyTagValue(ds: DicomDataset, tv: TagValue): void {
  const steps = tagPathSteps(tv.tagPath);
  let current: DicomDataset | undefined = ds;
  for (const step of steps.slice(0, -1)) {
    const seq: DicomElement | undefined = current ? findElement(current, step.tag) : undefined;
    current = step.item !== undefined ? seq?.items?.[step.item - 1] : undefined;
    if (!current) return;
  }
  const leaf = steps[steps.length - 1];
  if (leaf) setRootString(current, leaf.tag, tv.value);
}

function customValueFor(tagValues: readonly TagValue[], tag: number): string | undefined {
  const path = tagPathToString(rootTagPath(tag));
  let found: string | undefined;
  for (const tv of tagValues) if (tagPathToString(tv.tagPath) === path) found = tv.value;
  return found;
}

/** The anonymized value an existing key recorded for a key attribute. */
function harmonizedValue(key: StoredKey, tag: number): string | undefined {
  const main = MAIN_FIELDS.get(tag);
  if (main) return key[main.anon];
  return keyValueFor(key, tag)?.anonymizedValue;
}

/** The five values a key is matched on, read from a dataset already re-encoded to UTF-8. */
function mainValuesOf(ds: DicomDataset): Omit<KeyMatch, 'level'> {
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
 * The real values `anonymizeDataset` matches keys on (§11.4 step 4), read without anonymizing; undefined when it
 * would return the data unchanged (already anonymous and not forced). Lets the caller look the keys up before the
 * transform runs where there is no database (a worker thread): see `prefetchKeyMatch`.
 */
export function anonymizationKeyValues(
  bytes: Uint8Array,
  options: { force?: boolean } = {},
): Omit<KeyMatch, 'level'> | undefined {
  const ds = parseDicomFile(bytes).dataset;
  if (!options.force && isAnonymousDataset(ds)) return undefined;
  toUtf8(ds);
  return mainValuesOf(ds);
}

/**
 * Anonymizes one DICOM file (§11.4): table rules of the profile, DeidentificationMethod/PatientIdentityRemoved,
 * pseudonyms for missing patient name/ID and UIDs, harmonization with existing keys, custom tag values. Pixel
 * data and the transfer syntax are kept; file meta MediaStorageSOPInstanceUID follows SOPInstanceUID.
 *
 * Throws NoSuchOptionError / UnsupportedOptionError (status 400) for bad profiles and DicomParseError for data
 * that cannot be parsed.
 */
export function anonymizeDataset(bytes: Uint8Array, options: AnonymizeOptions): AnonymizeResult {
  const profile = resolveProfile(options.profile);
  const tagValues = options.tagValues ?? [];
  const file = parseDicomFile(bytes);
  const original = file.dataset;

  // Steps 1-2
  if (options.force) {
    removeElement(original, TAG.PatientIdentityRemoved);
    removeElement(original, TAG.DeidentificationMethod);
  } else if (isAnonymousDataset(original)) {
    return { bytes, key: null, anonymized: false };
  }

  // Step 3
  toUtf8(original);
  const realOf = (tag: number): string => stringValue(findElement(original, tag));
  const output = applyRules(original, profile);
  setRootString(output, TAG.DeidentificationMethod, profile.deidentificationMethod());
  setRootString(output, TAG.PatientIdentityRemoved, 'YES');
  for (const { tag } of MAIN_KEY_ATTRIBUTES) {
    if (stringValue(findElement(output, tag)) === '') setRootString(output, tag, newRandomUid());
  }

  // Step 4: key data and harmonization
  const extraAttributes = [
    ...FIXED_EXTRA_KEY_ATTRIBUTES,
    ...(options.keyAttributes ?? DEFAULT_KEY_ATTRIBUTES),
  ];
  const real = mainValuesOf(original);
  const match = findKeyByLevels((m) => options.keys.findNewestByRealValues(m), real);

  // Step 5: harmonized values (at or above the match level), then custom values
  if (match) {
    for (const attr of [...MAIN_KEY_ATTRIBUTES, ...extraAttributes]) {
      if (LEVEL_ORDER[attr.level] > LEVEL_ORDER[match.level]) continue;
      if (realOf(attr.tag) === '' && !MAIN_FIELDS.has(attr.tag)) continue;
      const value = harmonizedValue(match.key, attr.tag);
      // An empty recorded pseudonym is not written back (it would empty a freshly generated value).
      if (value) setRootString(output, attr.tag, value);
    }
  }
  for (const tv of tagValues) applyTagValue(output, tv);

  const anonOf = (tag: number): string => stringValue(findElement(output, tag));
  const values: KeyValueData[] = [];
  for (const attr of extraAttributes) {
    const value = realOf(attr.tag);
    if (value === '' || values.some((v) => v.tagPath.tag === attr.tag)) continue;
    values.push({
      tagPath: rootTagPath(attr.tag),
      value,
      anonymizedValue: customValueFor(tagValues, attr.tag) ?? anonOf(attr.tag),
    });
  }
  const key: NewKeyData = {
    patientName: real.patientName,
    anonPatientName: anonOf(TAG.PatientName),
    patientID: real.patientID,
    anonPatientID: anonOf(TAG.PatientID),
    studyInstanceUID: real.studyInstanceUID,
    anonStudyInstanceUID: anonOf(TAG.StudyInstanceUID),
    seriesInstanceUID: real.seriesInstanceUID,
    anonSeriesInstanceUID: anonOf(TAG.SeriesInstanceUID),
    sopInstanceUID: real.sopInstanceUID,
    anonSOPInstanceUID: anonOf(TAG.SOPInstanceUID),
    values,
  };

  // Step 6: file meta follows the dataset; write (re-deflated when the transfer syntax is deflated)
  const meta = file.meta.filter((e) => !isGroupLength(e.tag));
  setElement(meta, stringElement(TAG.MediaStorageSOPInstanceUID, 'UI', key.anonSOPInstanceUID));
  const result = writeDicomFile({ ...file, meta, dataset: output });
  return match
    ? { bytes: result, key, anonymized: true, matchLevel: match.level }
    : { bytes: result, key, anonymized: true };
}
