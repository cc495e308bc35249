/**
 * Extraction of the metadata attributes of BEHAVIOR.md §5.1 from a parsed dataset: first value, decoded with the
 * dataset's Specific Character Set, trimmed; ImageType keeps all values joined with a backslash.
 */
import type { DataSet } from './dicom-parser.js';
import { decodeText, parseSpecificCharacterSet } from './charset.js';

export interface DicomMetadata {
  patientName: string;
  patientID: string;
  patientBirthDate: string;
  patientSex: string;
  studyInstanceUID: string;
  studyDescription: string;
  studyDate: string;
  studyID: string;
  accessionNumber: string;
  patientAge: string;
  seriesInstanceUID: string;
  seriesDescription: string;
  seriesDate: string;
  modality: string;
  protocolName: string;
  bodyPartExamined: string;
  manufacturer: string;
  stationName: string;
  frameOfReferenceUID: string;
  sopInstanceUID: string;
  imageType: string;
  instanceNumber: string;
}

/** Attribute → tag, and whether its VR is affected by the character set (PN, LO, SH, LT, ST, UT, UC). */
const ATTRIBUTES: Record<keyof DicomMetadata, [tag: string, textVr: boolean]> = {
  patientName: ['x00100010', true],
  patientID: ['x00100020', true],
  patientBirthDate: ['x00100030', false],
  patientSex: ['x00100040', false],
  studyInstanceUID: ['x0020000d', false],
  studyDescription: ['x00081030', true],
  studyDate: ['x00080020', false],
  studyID: ['x00200010', true],
  accessionNumber: ['x00080050', true],
  patientAge: ['x00101010', false],
  seriesInstanceUID: ['x0020000e', false],
  seriesDescription: ['x0008103e', true],
  seriesDate: ['x00080021', false],
  modality: ['x00080060', false],
  protocolName: ['x00181030', true],
  bodyPartExamined: ['x00180015', false],
  manufacturer: ['x00080070', true],
  stationName: ['x00081010', true],
  frameOfReferenceUID: ['x00200052', false],
  sopInstanceUID: ['x00080018', false],
  imageType: ['x00080008', false],
  instanceNumber: ['x00200013', false],
};

function trimValue(s: string): string {
  return s.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

function rawBytes(ds: DataSet, tag: string): Uint8Array | undefined {
  const el = ds.elements[tag];
  if (!el || el.length === 0 || el.length === 0xffffffff || el.items) return undefined;
  return ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
}

export function extractMetadata(ds: DataSet): DicomMetadata {
  const charsetBytes = rawBytes(ds, 'x00080005');
  const charsets = parseSpecificCharacterSet(
    charsetBytes ? decodeText(charsetBytes, []) : undefined,
  );
  const out = {} as DicomMetadata;
  for (const [key, [tag, textVr]] of Object.entries(ATTRIBUTES) as Array<
    [keyof DicomMetadata, [string, boolean]]
  >) {
    const bytes = rawBytes(ds, tag);
    if (!bytes) {
      out[key] = '';
      continue;
    }
    const text = decodeText(bytes, textVr ? charsets : []);
    const values = text.split('\\').map(trimValue);
    out[key] = key === 'imageType' ? values.join('\\') : (values[0] ?? '');
  }
  return out;
}

/** Is the dataset flagged anonymous (PatientIdentityRemoved (0012,0062) = YES, case-insensitive, §11.7)? */
export function isFlaggedAnonymous(ds: DataSet): boolean {
  const bytes = rawBytes(ds, 'x00120062');
  return bytes !== undefined && decodeText(bytes, []).trim().toUpperCase() === 'YES';
}
