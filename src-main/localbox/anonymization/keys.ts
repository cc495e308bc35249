/**
 * Anonymization keys (BEHAVIOR.md §11.5) and the lookup the anonymizer needs for harmonization (§11.4 step 4) and
 * reverse anonymization (§11.7). The database layer implements `KeyLookup`; `InMemoryKeyStore` is a reference
 * implementation for tests and tools.
 */
import type { TagPath } from './tag-path.js';
import { rootTagPath, tagPathToString } from './tag-path.js';

export type KeyLevel = 'PATIENT' | 'STUDY' | 'SERIES' | 'IMAGE';

/** PATIENT ≤ STUDY ≤ SERIES ≤ IMAGE. */
export const LEVEL_ORDER: Record<KeyLevel, number> = { PATIENT: 0, STUDY: 1, SERIES: 2, IMAGE: 3 };

/** An attribute recorded in keys, with its level. */
export interface KeyAttribute {
  tag: number;
  level: KeyLevel;
}

export const TAG = {
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  SOPInstanceUID: 0x00080018,
  PatientIdentityRemoved: 0x00120062,
  DeidentificationMethod: 0x00120063,
  AccessionNumber: 0x00080050,
  StudyDescription: 0x00081030,
  SeriesDescription: 0x0008103e,
  PatientBirthDate: 0x00100030,
  ProtocolName: 0x00181030,
  StudyID: 0x00200010,
  FrameOfReferenceUID: 0x00200052,
  MediaStorageSOPInstanceUID: 0x00020003,
} as const;

/** The five attributes that live in the key row. */
export const MAIN_KEY_ATTRIBUTES: readonly KeyAttribute[] = [
  { tag: TAG.PatientName, level: 'PATIENT' },
  { tag: TAG.PatientID, level: 'PATIENT' },
  { tag: TAG.StudyInstanceUID, level: 'STUDY' },
  { tag: TAG.SeriesInstanceUID, level: 'SERIES' },
  { tag: TAG.SOPInstanceUID, level: 'IMAGE' },
];

/** Always recorded as key values (when present in the original). */
export const FIXED_EXTRA_KEY_ATTRIBUTES: readonly KeyAttribute[] = [
  { tag: TAG.PatientIdentityRemoved, level: 'IMAGE' },
  { tag: TAG.DeidentificationMethod, level: 'IMAGE' },
];

/** Default `anonymization.key-attributes`. */
export const DEFAULT_KEY_ATTRIBUTES: readonly KeyAttribute[] = [
  { tag: TAG.AccessionNumber, level: 'STUDY' },
  { tag: TAG.StudyDescription, level: 'STUDY' },
  { tag: TAG.SeriesDescription, level: 'SERIES' },
  { tag: TAG.PatientBirthDate, level: 'PATIENT' },
  { tag: TAG.ProtocolName, level: 'SERIES' },
  { tag: TAG.StudyID, level: 'STUDY' },
  { tag: TAG.FrameOfReferenceUID, level: 'STUDY' },
];

/** The five main real/anonymized value pairs of a key row. Missing values are "". */
export interface KeyMainValues {
  patientName: string;
  anonPatientName: string;
  patientID: string;
  anonPatientID: string;
  studyInstanceUID: string;
  anonStudyInstanceUID: string;
  seriesInstanceUID: string;
  anonSeriesInstanceUID: string;
  sopInstanceUID: string;
  anonSOPInstanceUID: string;
}

/** An extra recorded attribute (AnonymizationKeyValue without ids). Root-level tag paths only. */
export interface KeyValueData {
  tagPath: TagPath;
  value: string;
  anonymizedValue: string;
}

/** What the anonymizer returns for the caller to insert (with imageId and created) — §11.5. */
export interface NewKeyData extends KeyMainValues {
  values: KeyValueData[];
}

/** A stored key as the lookup returns it (its extra values included). */
export interface StoredKey extends NewKeyData {
  id: number;
  created: number;
  imageId: number;
}

/** Values to match at a level: PATIENT uses name+ID, STUDY adds study UID, SERIES series UID, IMAGE SOP UID. */
export interface KeyMatch {
  level: KeyLevel;
  patientName: string;
  patientID: string;
  studyInstanceUID: string;
  seriesInstanceUID: string;
  sopInstanceUID: string;
}

/**
 * Implemented by the database layer. Both methods return the NEWEST key (highest id) whose real (resp.
 * anonymized) values equal the match values of the fields its level uses (see KeyMatch), or undefined.
 *
 * Harmonization (§11.4 step 4) must be serialized with key insertion: call anonymizeDataset and insert the
 * returned key without yielding to other anonymizations in between (both are synchronous, so with
 * better-sqlite3 simply insert right after the call, or run both in one queue).
 */
export interface KeyLookup {
  findNewestByRealValues(match: KeyMatch): StoredKey | undefined;
  findNewestByAnonymizedValues(match: KeyMatch): StoredKey | undefined;
}

const LEVELS_DESC: readonly KeyLevel[] = ['IMAGE', 'SERIES', 'STUDY', 'PATIENT'];

/** Tries IMAGE, then SERIES, STUDY, PATIENT; returns the first match and its level. */
export function findKeyByLevels(
  find: (match: KeyMatch) => StoredKey | undefined,
  values: Omit<KeyMatch, 'level'>,
): { key: StoredKey; level: KeyLevel } | undefined {
  for (const level of LEVELS_DESC) {
    const key = find({ ...values, level });
    if (key) return { key, level };
  }
  return undefined;
}

type MainField = keyof KeyMainValues;

/** Key row fields (real, anonymized) of the five main attributes. */
export const MAIN_FIELDS: ReadonlyMap<number, { real: MainField; anon: MainField }> = new Map([
  [TAG.PatientName, { real: 'patientName', anon: 'anonPatientName' }],
  [TAG.PatientID, { real: 'patientID', anon: 'anonPatientID' }],
  [TAG.StudyInstanceUID, { real: 'studyInstanceUID', anon: 'anonStudyInstanceUID' }],
  [TAG.SeriesInstanceUID, { real: 'seriesInstanceUID', anon: 'anonSeriesInstanceUID' }],
  [TAG.SOPInstanceUID, { real: 'sopInstanceUID', anon: 'anonSOPInstanceUID' }],
]);

/** Does `key` match on the fields the level uses, comparing its real or anonymized side? */
export function keyMatches(key: KeyMainValues, match: KeyMatch, side: 'real' | 'anon'): boolean {
  const levelTags: Record<KeyLevel, number[]> = {
    PATIENT: [TAG.PatientName, TAG.PatientID],
    STUDY: [TAG.PatientName, TAG.PatientID, TAG.StudyInstanceUID],
    SERIES: [TAG.PatientName, TAG.PatientID, TAG.StudyInstanceUID, TAG.SeriesInstanceUID],
    IMAGE: [
      TAG.PatientName,
      TAG.PatientID,
      TAG.StudyInstanceUID,
      TAG.SeriesInstanceUID,
      TAG.SOPInstanceUID,
    ],
  };
  return levelTags[match.level].every((tag) => {
    const f = MAIN_FIELDS.get(tag);
    if (!f) return false;
    return key[f[side]] === match[f.real as keyof KeyMatch];
  });
}

/** The extra value of a key for a root-level tag, if recorded. */
export function keyValueFor(key: NewKeyData, tag: number): KeyValueData | undefined {
  const path = tagPathToString(rootTagPath(tag));
  return key.values.find((v) => !v.tagPath.previous && tagPathToString(v.tagPath) === path);
}

/** In-memory KeyLookup with insertion (newest = highest id). */
export class InMemoryKeyStore implements KeyLookup {
  readonly keys: StoredKey[] = [];
  private nextId = 1;

  insert(key: NewKeyData, imageId = 0, created = Date.now()): StoredKey {
    const stored: StoredKey = {
      ...key,
      values: [...key.values],
      id: this.nextId++,
      created,
      imageId,
    };
    this.keys.push(stored);
    return stored;
  }

  findNewestByRealValues(match: KeyMatch): StoredKey | undefined {
    return this.newest((k) => keyMatches(k, match, 'real'));
  }

  findNewestByAnonymizedValues(match: KeyMatch): StoredKey | undefined {
    return this.newest((k) => keyMatches(k, match, 'anon'));
  }

  private newest(pred: (k: StoredKey) => boolean): StoredKey | undefined {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i];
      if (k && pred(k)) return k;
    }
    return undefined;
  }
}

/**
 * The answer of a key lookup made before a transform runs elsewhere (a worker thread has no database): the
 * values that were looked up and the newest key found, with its level. Plain data: it crosses `postMessage`.
 */
export interface PrefetchedKeyMatch {
  /** Which side of the keys was matched: real values (anonymization) or anonymized values (reverse). */
  side: 'real' | 'anon';
  values: Omit<KeyMatch, 'level'>;
  match?: { key: StoredKey; level: KeyLevel };
}

/** Looks up keys for `values` (IMAGE, then SERIES, STUDY, PATIENT) and keeps the answer. */
export function prefetchKeyMatch(
  keys: KeyLookup,
  side: 'real' | 'anon',
  values: Omit<KeyMatch, 'level'>,
): PrefetchedKeyMatch {
  const match = findKeyByLevels(
    (m) =>
      side === 'real' ? keys.findNewestByRealValues(m) : keys.findNewestByAnonymizedValues(m),
    values,
  );
  return match ? { side, values, match } : { side, values };
}

/**
 * A KeyLookup that answers from a prefetched match. A transform asks exactly the questions `prefetchKeyMatch`
 * asked (same values, levels from IMAGE down to the match); any other question is a programming error and
 * throws rather than answering wrongly.
 */
export function prefetchedKeyLookup(prefetched: PrefetchedKeyMatch): KeyLookup {
  const answer = (side: 'real' | 'anon', m: KeyMatch): StoredKey | undefined => {
    const v = prefetched.values;
    const same =
      side === prefetched.side &&
      m.patientName === v.patientName &&
      m.patientID === v.patientID &&
      m.studyInstanceUID === v.studyInstanceUID &&
      m.seriesInstanceUID === v.seriesInstanceUID &&
      m.sopInstanceUID === v.sopInstanceUID;
    const found = prefetched.match;
    if (!same || (found && LEVEL_ORDER[m.level] < LEVEL_ORDER[found.level]))
      throw new Error(`key lookup (${side}, ${m.level}) was not prefetched`);
    return found && found.level === m.level ? found.key : undefined;
  };
  return {
    findNewestByRealValues: (m) => answer('real', m),
    findNewestByAnonymizedValues: (m) => answer('anon', m),
  };
}
