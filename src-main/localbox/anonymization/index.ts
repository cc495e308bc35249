/**
 * Anonymization core of the local box (BEHAVIOR.md §11): options and profiles, the anonymization pipeline with
 * key harmonization, and reverse anonymization. Pure library: no database, no HTTP, no file system.
 */
export {
  CONFIDENTIALITY_OPTIONS,
  NoSuchOptionError,
  listedOptions,
  optionByName,
  parseProfileJson,
  toOptionJson,
  withBasicProfile,
} from './options.js';
export type {
  ConfidentialityOption,
  ConfidentialityOptionInfo,
  ConfidentialityOptionName,
} from './options.js';
export {
  AnonymizationProfile,
  UnsupportedOptionError,
  actionOfCode,
  resolveProfile,
} from './profile.js';
export type { AnonymizationAction } from './profile.js';
export { anonymizationKeyValues, anonymizeDataset, isAnonymous } from './anonymize.js';
export type { AnonymizeOptions, AnonymizeResult, TagValue } from './anonymize.js';
export { reverseAnonymizeDataset, reverseKeyValues } from './reverse.js';
export type { ReverseOptions, ReverseResult } from './reverse.js';
export {
  DEFAULT_KEY_ATTRIBUTES,
  FIXED_EXTRA_KEY_ATTRIBUTES,
  InMemoryKeyStore,
  LEVEL_ORDER,
  MAIN_KEY_ATTRIBUTES,
  findKeyByLevels,
  keyMatches,
  prefetchKeyMatch,
  prefetchedKeyLookup,
} from './keys.js';
export type {
  KeyAttribute,
  KeyLevel,
  KeyLookup,
  KeyMainValues,
  KeyMatch,
  KeyValueData,
  NewKeyData,
  PrefetchedKeyMatch,
  StoredKey,
} from './keys.js';
export { rootTagPath, tagPathFromSteps, tagPathSteps, tagPathToString } from './tag-path.js';
export type { TagPath, TagPathStep } from './tag-path.js';
export { DicomParseError } from './dicom-codec.js';
export { newRandomUid } from './uid.js';
export { IDENTIFYING_ATTRIBUTES, identifyingValues, previewAnonymization } from './preview.js';
export type { AnonymizationPreview, AttributeChange, IdentifyingAttribute } from './preview.js';
