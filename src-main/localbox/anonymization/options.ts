/**
 * The confidentiality options of BEHAVIOR.md §11.2 / §5.5 (name, title, description, rank, supported).
 */

export type ConfidentialityOptionName =
  | 'BASIC_PROFILE'
  | 'CLEAN_PIXEL_DATA'
  | 'CLEAN_RECOGNIZABLE_VISUAL_FEATURES'
  | 'CLEAN_GRAPHICS'
  | 'CLEAN_STRUCTURED_CONTENT'
  | 'CLEAN_DESCRIPTORS'
  | 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION'
  | 'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES'
  | 'RETAIN_PATIENT_CHARACTERISTICS'
  | 'RETAIN_DEVICE_IDENTITY'
  | 'RETAIN_INSTITUTION_IDENTITY'
  | 'RETAIN_UIDS'
  | 'RETAIN_SAFE_PRIVATE';

/** JSON output shape of an option (§5.5). */
export interface ConfidentialityOption {
  name: ConfidentialityOptionName;
  title: string;
  description: string;
  rank: number;
}

export interface ConfidentialityOptionInfo extends ConfidentialityOption {
  /** Only controls what `GET /anonymization/options` lists; every name is accepted in requests. */
  supported: boolean;
}

const option = (
  name: ConfidentialityOptionName,
  title: string,
  description: string,
  rank: number,
  supported: boolean,
): ConfidentialityOptionInfo => ({ name, title, description, rank, supported });

/** All 13 options in rank order. */
export const CONFIDENTIALITY_OPTIONS: readonly ConfidentialityOptionInfo[] = [
  option('BASIC_PROFILE', 'Basic Profile', 'Basic Profile', 10, true),
  option('CLEAN_PIXEL_DATA', 'Clean Pixel Data', 'Clean Pixel Data', 20, false),
  option(
    'CLEAN_RECOGNIZABLE_VISUAL_FEATURES',
    'Clean Visual Features',
    'Clean Recognizable Visual Features',
    30,
    false,
  ),
  option('CLEAN_GRAPHICS', 'Clean Graphics', 'Clean Graphics', 40, false),
  option(
    'CLEAN_STRUCTURED_CONTENT',
    'Clean Structured Content',
    'Clean Structured Content',
    50,
    false,
  ),
  option('CLEAN_DESCRIPTORS', 'Clean Descriptors', 'Clean Descriptors', 60, false),
  option(
    'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION',
    'Retain Temporal Info',
    'Retain Longitudinal Temporal Information',
    70,
    true,
  ),
  option(
    'RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION_MODIFIED_DATES',
    'Retain Modified Temporal Info',
    'Retain Longitudinal Temporal Information with Modified Dates',
    80,
    false,
  ),
  option(
    'RETAIN_PATIENT_CHARACTERISTICS',
    'Retain Patient Characteristics',
    'Retain Patient Characteristics',
    90,
    true,
  ),
  option('RETAIN_DEVICE_IDENTITY', 'Retain Device Identity', 'Retain Device Identity', 100, true),
  option(
    'RETAIN_INSTITUTION_IDENTITY',
    'Retain Institution Identity',
    'Retain Institution Identity',
    110,
    true,
  ),
  option('RETAIN_UIDS', 'Retain UIDs', 'Retain UIDs', 120, true),
  option(
    'RETAIN_SAFE_PRIVATE',
    'Retain Safe Private Attributes',
    'Retain Safe Private Attributes',
    130,
    true,
  ),
];

const BY_NAME: ReadonlyMap<string, ConfidentialityOptionInfo> = new Map(
  CONFIDENTIALITY_OPTIONS.map((o) => [o.name, o]),
);

/** Thrown for an unknown option name; the HTTP layer answers 400 with the message (`No such option: X`). */
export class NoSuchOptionError extends Error {
  readonly status = 400;
  constructor(readonly optionName: string) {
    super(`No such option: ${optionName}`);
    this.name = 'NoSuchOptionError';
  }
}

/** Looks an option up by name (exact, case-sensitive); unknown → NoSuchOptionError. */
export function optionByName(name: string): ConfidentialityOptionInfo {
  const found = BY_NAME.get(name);
  if (!found) throw new NoSuchOptionError(name);
  return found;
}

/** Output shape (§5.5) of an option: name, title, description, rank. */
export function toOptionJson(o: ConfidentialityOptionInfo): ConfidentialityOption {
  return { name: o.name, title: o.title, description: o.description, rank: o.rank };
}

/**
 * `GET /anonymization/options`: the supported options except the implied BASIC_PROFILE, in rank order
 * (RETAIN_LONGITUDINAL_TEMPORAL_INFORMATION, RETAIN_PATIENT_CHARACTERISTICS, RETAIN_DEVICE_IDENTITY,
 * RETAIN_INSTITUTION_IDENTITY, RETAIN_UIDS, RETAIN_SAFE_PRIVATE).
 */
export function listedOptions(): ConfidentialityOption[] {
  return CONFIDENTIALITY_OPTIONS.filter((o) => o.supported && o.name !== 'BASIC_PROFILE').map(
    toOptionJson,
  );
}

/**
 * Parses an `AnonymizationProfile` JSON body (`{"options": [{"name": ...}, ...]}`; other fields ignored) into
 * option names, keeping order and duplicates as given. Unknown names → NoSuchOptionError.
 */
export function parseProfileJson(profile: unknown): ConfidentialityOptionName[] {
  const options =
    profile && typeof profile === 'object' ? (profile as { options?: unknown }).options : undefined;
  if (!Array.isArray(options)) throw new NoSuchOptionError(String(options ?? ''));
  return options.map((o: unknown) => {
    const name = o && typeof o === 'object' ? (o as { name?: unknown }).name : undefined;
    return optionByName(typeof name === 'string' ? name : String(name)).name;
  });
}

/** `POST /anonymization/anonymize` and box sends: BASIC_PROFILE is prepended when absent (§11.2). */
export function withBasicProfile(names: readonly string[]): string[] {
  return names.includes('BASIC_PROFILE') ? [...names] : ['BASIC_PROFILE', ...names];
}
