/**
 * Wraps a JPEG into a DICOM Secondary Capture object (BEHAVIOR.md §10.10): JPEG Baseline (Process 1)
 * transfer syntax, the JPEG as the single fragment after an empty basic offset table, patient and study
 * attributes from the database rows, a new series and instance (`2.25.` UIDs), Specific Character Set
 * `ISO_IR 192`, image pixel attributes from the JPEG frame header.
 *
 * Decisions (DECISIONS.md, "Images route group"): only baseline 8-bit JPEGs with 1 or 3 components are accepted (the
 * transfer syntax claims Process 1; a progressive or CMYK JPEG under it would be an object no viewer decodes),
 * and Modality `OT` + Conversion Type `WSD` are written (both Type 1 in the SC IOD; Slicebox writes neither).
 */
import { writeDicomFile } from '../anonymization/dicom-codec.js';
import type { DicomDataset, DicomElement } from '../anonymization/dicom-codec.js';
import { newRandomUid } from '../anonymization/uid.js';
import { TransferSyntax } from '../dicom/uids.js';
import { encodeValue } from '../modify/rewrite.js';
import { InvalidArgument } from '../system/errors.js';
import type { Patient, Study } from '../../slicebox/types.js';
import { readJpegHeader } from './jpeg-header.js';

export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
/** Implementation Class UID of Slicebox Desktop's local box (a fixed `2.25.` UUID-derived UID). */
export const IMPLEMENTATION_CLASS_UID = '2.25.312977777267350803186995718778786308248';
export const IMPLEMENTATION_VERSION_NAME = 'SBX_DESKTOP';

const VR: Record<number, string> = {
  0x00020001: 'OB',
  0x00020002: 'UI',
  0x00020003: 'UI',
  0x00020010: 'UI',
  0x00020012: 'UI',
  0x00020013: 'SH',
  0x00080005: 'CS',
  0x00080012: 'DA',
  0x00080013: 'TM',
  0x00080016: 'UI',
  0x00080018: 'UI',
  0x00080020: 'DA',
  0x00080021: 'DA',
  0x00080030: 'TM',
  0x00080050: 'SH',
  0x00080060: 'CS',
  0x00080064: 'CS',
  0x00080090: 'PN',
  0x00081030: 'LO',
  0x0008103e: 'LO',
  0x00100010: 'PN',
  0x00100020: 'LO',
  0x00100030: 'DA',
  0x00100040: 'CS',
  0x00101010: 'AS',
  0x0020000d: 'UI',
  0x0020000e: 'UI',
  0x00200010: 'SH',
  0x00200011: 'IS',
  0x00200013: 'IS',
  0x00200020: 'CS',
  0x00280002: 'US',
  0x00280004: 'CS',
  0x00280006: 'US',
  0x00280010: 'US',
  0x00280011: 'US',
  0x00280100: 'US',
  0x00280101: 'US',
  0x00280102: 'US',
  0x00280103: 'US',
  0x00282110: 'CS',
  0x00282114: 'CS',
};

function element(tag: number, value: string | number): DicomElement {
  const vr = VR[tag] ?? 'UN';
  return { tag, vr, value: encodeValue(String(value), vr, true) };
}

function encapsulate(jpeg: Uint8Array): Uint8Array {
  const fragmentLength = jpeg.length + (jpeg.length % 2);
  const out = new Uint8Array(8 + 8 + fragmentLength + 8);
  const view = new DataView(out.buffer);
  const item = (o: number, length: number) => {
    view.setUint16(o, 0xfffe, true);
    view.setUint16(o + 2, 0xe000, true);
    view.setUint32(o + 4, length, true);
  };
  item(0, 0); // empty basic offset table
  item(8, fragmentLength);
  out.set(jpeg, 16);
  const end = 16 + fragmentLength;
  view.setUint16(end, 0xfffe, true);
  view.setUint16(end + 2, 0xe0dd, true);
  return out;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

export interface SecondaryCaptureInput {
  jpeg: Uint8Array;
  patient: Patient;
  study: Study;
  seriesDescription: string;
  now?: Date;
}

/** The Part 10 bytes of the Secondary Capture object; InvalidArgument (400) for unusable JPEGs. */
export function buildSecondaryCapture(input: SecondaryCaptureInput): Uint8Array {
  const h = readJpegHeader(input.jpeg);
  if (h.sof !== 0xc0 || h.precision !== 8)
    throw new InvalidArgument(
      'Only baseline 8-bit JPEG images can be wrapped (JPEG Baseline transfer syntax)',
    );
  if (h.components !== 1 && h.components !== 3)
    throw new InvalidArgument(`JPEG images with ${h.components} components cannot be wrapped`);
  if (h.rows === 0 || h.columns === 0) throw new InvalidArgument('JPEG image without dimensions');

  const now = input.now ?? new Date();
  const date = `${now.getFullYear()}${pad2(now.getMonth() + 1)}${pad2(now.getDate())}`;
  const time = `${pad2(now.getHours())}${pad2(now.getMinutes())}${pad2(now.getSeconds())}`;
  const sopInstanceUid = newRandomUid();
  const { patient, study } = input;
  const color = h.components === 3;

  const meta: DicomDataset = [
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
    element(0x00020002, SECONDARY_CAPTURE),
    element(0x00020003, sopInstanceUid),
    element(0x00020010, TransferSyntax.JpegBaseline),
    element(0x00020012, IMPLEMENTATION_CLASS_UID),
    element(0x00020013, IMPLEMENTATION_VERSION_NAME),
  ];
  const dataset: DicomDataset = [
    element(0x00080005, 'ISO_IR 192'),
    element(0x00080012, date),
    element(0x00080013, time),
    element(0x00080016, SECONDARY_CAPTURE),
    element(0x00080018, sopInstanceUid),
    element(0x00080020, study.studyDate.value),
    element(0x00080021, date),
    element(0x00080030, ''),
    element(0x00080050, study.accessionNumber.value),
    element(0x00080060, 'OT'),
    element(0x00080064, 'WSD'),
    element(0x00080090, ''),
    element(0x00081030, study.studyDescription.value),
    element(0x0008103e, input.seriesDescription),
    element(0x00100010, patient.patientName.value),
    element(0x00100020, patient.patientID.value),
    element(0x00100030, patient.patientBirthDate.value),
    element(0x00100040, patient.patientSex.value),
    element(0x00101010, study.patientAge.value),
    element(0x0020000d, study.studyInstanceUID.value),
    element(0x0020000e, newRandomUid()),
    element(0x00200010, study.studyID.value),
    element(0x00200011, ''),
    element(0x00200013, '1'),
    element(0x00200020, ''),
    element(0x00280002, h.components),
    element(0x00280004, color ? 'YBR_FULL_422' : 'MONOCHROME2'),
    ...(color ? [element(0x00280006, 0)] : []),
    element(0x00280010, h.rows),
    element(0x00280011, h.columns),
    element(0x00280100, 8),
    element(0x00280101, 8),
    element(0x00280102, 7),
    element(0x00280103, 0),
    element(0x00282110, '01'),
    element(0x00282114, 'ISO_10918_1'),
    { tag: 0x7fe00010, vr: 'OB', encapsulated: encapsulate(input.jpeg) },
  ];
  return writeDicomFile({
    meta,
    dataset,
    transferSyntaxUid: TransferSyntax.JpegBaseline,
    preamble: new Uint8Array(128),
  });
}
