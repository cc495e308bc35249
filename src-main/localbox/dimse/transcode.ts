/**
 * Conversion of a stored dataset to a little-endian transfer syntax, for an SCU peer that did not accept the file's
 * own syntax (BEHAVIOR.md §17). Only uncompressed data can be converted: Implicit VR LE, Explicit VR LE, Deflated
 * Explicit VR LE and Explicit VR BE. Values are kept as their raw bytes (anonymization/dicom-codec.ts), so private
 * tags survive; big-endian values of fixed-width VRs are byte-swapped. Compressed pixel data (JPEG baseline, the
 * one compressed syntax the engine accepts) cannot be decompressed here: that raises CannotConvert.
 */
import { parseDicomFile, writeDicomFile } from '../anonymization/dicom-codec.js';
import type { DicomDataset } from '../anonymization/dicom-codec.js';
import { TransferSyntax } from '../dicom/uids.js';
import { fileMetaHeader } from './part10.js';
import type { StoredFileMeta } from './part10.js';

export class CannotConvert extends Error {
  override readonly name = 'CannotConvert';
}

const CONVERTIBLE = new Set<string>([
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.ExplicitVrLittleEndian,
  TransferSyntax.DeflatedExplicitVrLittleEndian,
  TransferSyntax.ExplicitVrBigEndian,
]);
const TARGETS = new Set<string>([
  TransferSyntax.ImplicitVrLittleEndian,
  TransferSyntax.ExplicitVrLittleEndian,
]);

/** Width of the units of a VR whose values must be byte-swapped between big and little endian. */
const SWAP_WIDTH: Record<string, number> = {
  US: 2,
  SS: 2,
  OW: 2,
  AT: 2,
  UL: 4,
  SL: 4,
  FL: 4,
  OL: 4,
  OF: 4,
  FD: 8,
  OD: 8,
  SV: 8,
  UV: 8,
  OV: 8,
};

export function canConvert(fromTs: string, toTs: string): boolean {
  return CONVERTIBLE.has(fromTs) && TARGETS.has(toTs);
}

function swapDataset(ds: DicomDataset): void {
  for (const el of ds) {
    if (el.items) for (const item of el.items) swapDataset(item);
    const width = SWAP_WIDTH[el.vr];
    if (!el.value || width === undefined) continue;
    const v = el.value;
    for (let i = 0; i + width <= v.length; i += width) v.subarray(i, i + width).reverse();
  }
}

/** The dataset bytes (no file meta) of the stored file `bytes`, re-encoded in `toTs`. */
export function convertDataset(bytes: Buffer, meta: StoredFileMeta, toTs: string): Buffer {
  if (!canConvert(meta.transferSyntaxUid, toTs)) {
    throw new CannotConvert(
      `cannot convert from transfer syntax ${meta.transferSyntaxUid} to ${toTs}`,
    );
  }
  // A canonical Part 10 file (preamble and meta of our own) so that files stored without preamble parse too.
  const header = fileMetaHeader({
    sopClassUid: meta.sopClassUid,
    sopInstanceUid: meta.sopInstanceUid,
    transferSyntaxUid: meta.transferSyntaxUid,
  });
  const file = parseDicomFile(Buffer.concat([header, bytes.subarray(meta.datasetOffset)]));
  if (meta.transferSyntaxUid === TransferSyntax.ExplicitVrBigEndian) swapDataset(file.dataset);
  file.meta = [];
  file.transferSyntaxUid = toTs;
  const out = writeDicomFile(file);
  // With an empty meta, the file is: preamble (128), "DICM" (4), the group length element (12), the dataset.
  return Buffer.from(out.buffer, out.byteOffset + 144, out.length - 144);
}
