/**
 * "What the receiver will get": the attributes that identify a person or place, before and after
 * anonymization, computed by running the very same `anonymizeDataset` call a transfer makes (same profile,
 * custom tag values, key lookup and `force`). Pure and side-effect free: the key lookup is only read, no key is
 * returned for insertion. A desktop extension, not part of Slicebox (see the README's "Preview").
 */
import { anonymizeDataset, isAnonymousDataset } from './anonymize.js';
import type { AnonymizeOptions } from './anonymize.js';
import { findElement, parseDicomFile } from './dicom-codec.js';
import type { DicomDataset } from './dicom-codec.js';
import { keywordOf } from './dictionary.js';
import type { KeyLevel } from './keys.js';
import { TABLE_E1_1 } from './table-e1-1.js';
import { stringValue, toUtf8 } from './text-values.js';

/**
 * The attributes a preview shows, in display order: PS3.15 Table E.1-1 rows that name or number a person
 * (patient, relatives, physicians, operators), give a place (institution, department, station, device), date or
 * describe the visit (which with the rest re-identifies), or link the data back to the source's records (UIDs,
 * accession number). The other rows of the table (comments, curves, overlays, private and structured content…)
 * are applied by the profile all the same; they are not listed, to keep the preview readable.
 */
const TAGS: readonly number[] = [
  // Patient
  0x00100010, // PatientName
  0x00100020, // PatientID
  0x00100021, // IssuerOfPatientID
  0x00101000, // OtherPatientIDs
  0x00101001, // OtherPatientNames
  0x00101002, // OtherPatientIDsSequence
  0x00101005, // PatientBirthName
  0x00101060, // PatientMotherBirthName
  0x00100030, // PatientBirthDate
  0x00100032, // PatientBirthTime
  0x00100040, // PatientSex
  0x00101010, // PatientAge
  0x00101020, // PatientSize
  0x00101030, // PatientWeight
  0x00102160, // EthnicGroup
  0x00101040, // PatientAddress
  0x00102154, // PatientTelephoneNumbers
  0x00101090, // MedicalRecordLocator
  0x00104000, // PatientComments
  // Visit, study and series
  0x00080050, // AccessionNumber
  0x00380010, // AdmissionID
  0x00200010, // StudyID
  0x00080020, // StudyDate
  0x00080030, // StudyTime
  0x00080021, // SeriesDate
  0x00080022, // AcquisitionDate
  0x00080023, // ContentDate
  0x00081030, // StudyDescription
  0x0008103e, // SeriesDescription
  0x00181030, // ProtocolName
  // People
  0x00080090, // ReferringPhysicianName
  0x00080092, // ReferringPhysicianAddress
  0x00080094, // ReferringPhysicianTelephoneNumbers
  0x00321032, // RequestingPhysician
  0x00081048, // PhysiciansOfRecord
  0x00081050, // PerformingPhysicianName
  0x00081060, // NameOfPhysiciansReadingStudy
  0x00081070, // OperatorsName
  // Place and device
  0x00080080, // InstitutionName
  0x00080081, // InstitutionAddress
  0x00081040, // InstitutionalDepartmentName
  0x00081010, // StationName
  0x00181000, // DeviceSerialNumber
  // Links to the source's records
  0x0020000d, // StudyInstanceUID
  0x0020000e, // SeriesInstanceUID
  0x00080018, // SOPInstanceUID
  0x00200052, // FrameOfReferenceUID
];

export interface IdentifyingAttribute {
  tag: number;
  keyword: string;
  /** The attribute's name as PS3.15 Table E.1-1 prints it. */
  label: string;
}

export const IDENTIFYING_ATTRIBUTES: readonly IdentifyingAttribute[] = TAGS.map((tag) => {
  const row = TABLE_E1_1.find((r) => r.mask === 0xffffffff && r.tag === tag);
  if (!row) throw new Error(`Tag ${tag.toString(16)} is not a row of PS3.15 Table E.1-1`);
  return { tag, keyword: keywordOf(tag), label: row.name };
});

/** One attribute before and after. `null` = absent; `''` = present with an empty value. */
export interface AttributeChange extends IdentifyingAttribute {
  before: string | null;
  after: string | null;
  /**
   * The anonymizer writes a new random value on every run (a fresh UID or pseudonym, not yet in any key): the
   * transfer writes another one, so only "a new value" can be promised, never this one.
   */
  generated: boolean;
}

export interface AnonymizationPreview {
  /** The original carries PatientIdentityRemoved = YES. */
  patientIdentityRemoved: boolean;
  /** False when the data goes as it is (already anonymous and not forced). */
  anonymized: boolean;
  /** Level at which an existing key matched (harmonization), if any. */
  matchLevel?: KeyLevel;
  /** The identifying attributes present before or after, in display order. */
  attributes: AttributeChange[];
}

/** Text of an element for display and comparison: sequences as their item count. */
function valueOf(ds: DicomDataset, tag: number): string | null {
  const el = findElement(ds, tag);
  if (!el) return null;
  if (el.items) return `${el.items.length} item${el.items.length === 1 ? '' : 's'}`;
  return stringValue(el);
}

/** The identifying attributes of a file as text (character sets decoded), root level only. */
export function identifyingValues(bytes: Uint8Array): Map<number, string | null> {
  const { dataset } = parseDicomFile(bytes);
  toUtf8(dataset);
  return new Map(IDENTIFYING_ATTRIBUTES.map(({ tag }) => [tag, valueOf(dataset, tag)]));
}

/**
 * Previews `anonymizeDataset(bytes, options)`: runs it twice with the same read-only key lookup and reports,
 * per identifying attribute, the value before, the value after, and whether the value is generated anew on
 * every run (it differs between the two runs). Throws what `anonymizeDataset` throws.
 */
export function previewAnonymization(
  bytes: Uint8Array,
  options: AnonymizeOptions,
): AnonymizationPreview {
  const original = parseDicomFile(bytes).dataset;
  const patientIdentityRemoved = isAnonymousDataset(original);
  const before = identifyingValues(bytes);
  const first = anonymizeDataset(bytes, options);
  const again = anonymizeDataset(bytes, options);
  const after = identifyingValues(first.bytes);
  const afterAgain = identifyingValues(again.bytes);
  const attributes: AttributeChange[] = [];
  for (const attribute of IDENTIFYING_ATTRIBUTES) {
    const was = before.get(attribute.tag) ?? null;
    const is = after.get(attribute.tag) ?? null;
    if (was === null && is === null) continue;
    attributes.push({
      ...attribute,
      before: was,
      after: is,
      generated: is !== (afterAgain.get(attribute.tag) ?? null),
    });
  }
  return {
    patientIdentityRemoved,
    anonymized: first.anonymized,
    ...(first.matchLevel ? { matchLevel: first.matchLevel } : {}),
    attributes,
  };
}
