/**
 * DICOM files generated at test time for the budget and hardening tests (issue 9): hostile inputs built from the
 * shared test files, and synthetic images of a chosen size.
 */
import { deflateRawSync } from 'node:zlib';
import { join } from 'node:path';
import {
  DEFLATED_LE,
  EXPLICIT_LE,
  IMPLICIT_LE,
  findElement,
  parseDicomFile,
  setElement,
  writeDicomFile,
} from '../../src-main/localbox/anonymization/dicom-codec.js';
import type {
  DicomDataset,
  DicomElement,
} from '../../src-main/localbox/anonymization/dicom-codec.js';
import { stringElement } from '../../src-main/localbox/anonymization/text-values.js';
import { PYDICOM, testFile } from './support.js';

const MIB = 1024 * 1024;

/**
 * The hostile file of issue 9: the preamble and file meta of image_dfl.dcm (334 bytes, transfer syntax Deflated
 * Explicit VR Little Endian) followed by a raw deflate of `mib` MiB of zeros (about 1/1000 of that on disk).
 */
export function deflateBomb(mib: number): Buffer {
  const head = testFile(join(PYDICOM, 'image_dfl.dcm')).subarray(0, 334);
  return Buffer.concat([head, deflateRawSync(Buffer.alloc(mib * MIB))]);
}

/** A copy of a shared file with `mib` MiB of zeros appended after its dataset. */
export function withTrailingZeros(name: string, mib: number): Buffer {
  return Buffer.concat([testFile(join(PYDICOM, name)), Buffer.alloc(mib * MIB)]);
}

function us(tag: number, value: number): DicomElement {
  const bytes = new Uint8Array(2);
  new DataView(bytes.buffer).setUint16(0, value, true);
  return { tag, vr: 'US', value: bytes };
}

let counter = 0;

export interface SyntheticImage {
  rows: number;
  columns: number;
  transferSyntax?: string;
  /** Pixel Spacing `row\column` (mm). */
  pixelSpacing?: string;
  /** 16-bit values; default a pattern that varies in both directions. */
  pixel?: (row: number, column: number) => number;
}

/** A valid 16-bit greyscale CT image of the given size (Explicit VR LE unless another syntax is asked for). */
export function syntheticCt(image: SyntheticImage): Uint8Array {
  const { rows, columns } = image;
  const pixel = image.pixel ?? ((r, c) => ((r * 7) ^ (c * 13)) & 0x0fff);
  const data = new Uint8Array(rows * columns * 2);
  const view = new DataView(data.buffer);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < columns; c++) view.setUint16((r * columns + c) * 2, pixel(r, c), true);
  counter++;
  const sopInstanceUid = `2.25.${Date.now()}${process.pid}${counter}`;
  const ts = image.transferSyntax ?? EXPLICIT_LE;
  const dataset: DicomDataset = [
    stringElement(0x00080016, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    stringElement(0x00080018, 'UI', sopInstanceUid),
    stringElement(0x00080060, 'CS', 'CT'),
    stringElement(0x00100010, 'PN', 'Synthetic^Image'),
    stringElement(0x00100020, 'LO', `SYN${counter}`),
    stringElement(0x0020000d, 'UI', `${sopInstanceUid}.1`),
    stringElement(0x0020000e, 'UI', `${sopInstanceUid}.2`),
    us(0x00280002, 1),
    stringElement(0x00280004, 'CS', 'MONOCHROME2'),
    us(0x00280010, rows),
    us(0x00280011, columns),
    us(0x00280100, 16),
    us(0x00280101, 16),
    us(0x00280102, 15),
    us(0x00280103, 0),
    { tag: 0x7fe00010, vr: 'OW', value: data },
  ];
  if (image.pixelSpacing !== undefined)
    dataset.splice(7, 0, stringElement(0x00280030, 'DS', image.pixelSpacing));
  const meta: DicomDataset = [
    { tag: 0x00020001, vr: 'OB', value: Uint8Array.of(0, 1) },
    stringElement(0x00020002, 'UI', '1.2.840.10008.5.1.4.1.1.2'),
    stringElement(0x00020003, 'UI', sopInstanceUid),
    stringElement(0x00020010, 'UI', ts),
    stringElement(0x00020012, 'UI', '2.25.1'),
  ];
  return writeDicomFile({ meta, dataset, transferSyntaxUid: ts, preamble: new Uint8Array(128) });
}

/**
 * A large deflated CT image: small on disk (smooth ramps deflate well), `rows × columns × 2` bytes once inflated,
 * and seconds of work to render.
 */
export function bigDeflatedCt(rows: number, columns: number): Uint8Array {
  return syntheticCt({
    rows,
    columns,
    transferSyntax: DEFLATED_LE,
    pixel: (r, c) => ((r >> 5) + (c >> 5)) & 0x0fff,
  });
}

/**
 * MR_small_implicit.dcm with a sequence of `items` items, each holding Smallest/Largest Image Pixel Value: in
 * Implicit VR their dictionary VR is "US or SS", for which dcmjs logs `Invalid vr type xs - using US` once per
 * element when it reads the file (the PNG route).
 */
export function implicitWithManyAmbiguousVrs(items: number): Uint8Array {
  const file = parseDicomFile(testFile(join(PYDICOM, 'MR_small_implicit.dcm')));
  if (file.transferSyntaxUid !== IMPLICIT_LE) throw new Error('expected Implicit VR Little Endian');
  const item = (): DicomDataset => [us(0x00280106, 0), us(0x00280107, 4000)];
  // Referenced Image Sequence (0008,1140).
  setElement(file.dataset, {
    tag: 0x00081140,
    vr: 'SQ',
    items: Array.from({ length: items }, item),
  });
  if (!findElement(file.dataset, 0x7fe00010)) throw new Error('expected Pixel Data');
  return writeDicomFile(file);
}

/** An Explicit VR Little Endian file followed by a Data Set Trailing Padding element (FFFC,FFFC) of `bytes`. */
export function withTrailingPadding(file: Uint8Array, bytes: number): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(0xfffc, 0);
  header.writeUInt16LE(0xfffc, 2);
  header.write('OB', 4, 'latin1');
  header.writeUInt32LE(bytes, 8);
  return Buffer.concat([file, header, Buffer.alloc(bytes)]);
}
