/**
 * Does a dataset received by C-STORE match its request? Judged from its first bytes (kept in memory as they
 * arrive) before the temp file goes to the shared ingest:
 *
 * * it is encoded in the transfer syntax accepted for its presentation context: the first element is read in
 *   that syntax and must make sense (an Explicit VR element has a VR; an Implicit VR element does not look like
 *   an Explicit one whose length runs past the data; the group number is small in the declared byte order), the
 *   way dcmtk tells encodings apart. Otherwise the ingest would parse it in the wrong syntax: garbage values, or
 *   an image stored under a file meta information that misdescribes it;
 * * its SOP Class UID (0008,0016) and SOP Instance UID (0008,0018) are the request's affected ones. The file meta
 *   information is written from the request, so a mismatch would store a file that contradicts itself.
 *
 * Only the top-level elements of group 0008 are walked (sequences skipped by their lengths or delimiters), in the
 * first DATASET_HEAD_BYTES of the dataset (inflated first for Deflated Explicit VR LE). When the walk cannot finish
 * (truncated data, an unusual layout, very long sequences) the UIDs are not judged here and the ingest, which
 * reads the whole file, has the last word.
 */
import { constants, inflateRawSync } from 'node:zlib';
import { TransferSyntax } from '../dicom/uids.js';
import { LONG_VRS } from '../dicom/vr.js';

/** Bytes of a dataset kept for the check: (0008,0018) comes within the first few hundred in real datasets. */
export const DATASET_HEAD_BYTES = 16 * 1024;
/** Inflated bytes looked at for a deflated dataset, and the compressed prefixes tried (512 B cannot exceed it). */
const INFLATED_HEAD_BYTES = 1024 * 1024;
const INFLATE_PREFIXES = [512, 4096, DATASET_HEAD_BYTES];
const MAX_SEQUENCE_DEPTH = 16;

/** Every VR of PS3.5 §6.2. */
const VRS = new Set([
  ...LONG_VRS,
  'AE',
  'AS',
  'AT',
  'CS',
  'DA',
  'DS',
  'DT',
  'FD',
  'FL',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'SL',
  'SS',
  'ST',
  'TM',
  'UI',
  'UL',
  'US',
]);

const SYNTAX_NAMES: Record<string, string> = {
  [TransferSyntax.ImplicitVrLittleEndian]: 'Implicit VR Little Endian',
  [TransferSyntax.ExplicitVrLittleEndian]: 'Explicit VR Little Endian',
  [TransferSyntax.ExplicitVrBigEndian]: 'Explicit VR Big Endian',
  [TransferSyntax.DeflatedExplicitVrLittleEndian]: 'Deflated Explicit VR Little Endian',
};

export interface StoreRequest {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
}

interface Encoding {
  explicit: boolean;
  littleEndian: boolean;
}

function encodingOf(transferSyntaxUid: string): Encoding {
  return {
    explicit: transferSyntaxUid !== TransferSyntax.ImplicitVrLittleEndian,
    littleEndian: transferSyntaxUid !== TransferSyntax.ExplicitVrBigEndian,
  };
}

function tag(group: number, element: number): string {
  const h = (n: number): string => n.toString(16).padStart(4, '0');
  return `(${h(group)},${h(element)})`;
}

function u16(b: Buffer, at: number, le: boolean): number {
  return le ? b.readUInt16LE(at) : b.readUInt16BE(at);
}

function u32(b: Buffer, at: number, le: boolean): number {
  return le ? b.readUInt32LE(at) : b.readUInt32BE(at);
}

function vrAt(b: Buffer, at: number): string {
  return b.toString('latin1', at, at + 2);
}

/** Why the first element cannot be in `enc`, or undefined. */
function encodingProblem(head: Buffer, enc: Encoding): string | undefined {
  if (head.length < 8) return `the dataset has only ${head.length} bytes`;
  const group = u16(head, 0, enc.littleEndian);
  const element = u16(head, 2, enc.littleEndian);
  const swapped = u16(head, 0, !enc.littleEndian);
  if (group > 0x00ff && swapped <= 0x00ff) {
    return `its first element would be group ${tag(group, element).slice(1, 5)}: the byte order is not ${enc.littleEndian ? 'little' : 'big'} endian`;
  }
  const vr = vrAt(head, 4);
  if (enc.explicit && !VRS.has(vr)) {
    return `its first element ${tag(group, element)} has no valid VR (Implicit VR data?)`;
  }
  if (!enc.explicit && VRS.has(vr)) {
    const implicitLength = u32(head, 4, true);
    if (implicitLength !== 0xffffffff && 8 + implicitLength > head.length) {
      return `its first element ${tag(group, element)} starts with the VR ${vr} (Explicit VR data?)`;
    }
  }
  return undefined;
}

interface Header {
  group: number;
  element: number;
  /** Undefined length (0xFFFFFFFF) is -1. */
  length: number;
  valueAt: number;
}

/** The element header at `at`; throws when the data ends first. */
function headerAt(b: Buffer, at: number, enc: Encoding): Header {
  if (at + 8 > b.length) throw new RangeError('the data ends here');
  const group = u16(b, at, enc.littleEndian);
  const element = u16(b, at + 2, enc.littleEndian);
  // Item and delimitation tags have no VR in any syntax.
  if (!enc.explicit || group === 0xfffe) {
    const length = u32(b, at + 4, enc.littleEndian);
    return { group, element, length: length === 0xffffffff ? -1 : length, valueAt: at + 8 };
  }
  const vr = vrAt(b, at + 4);
  if (!VRS.has(vr)) throw new Error(`element ${tag(group, element)} has no valid VR`);
  if (LONG_VRS.has(vr)) {
    if (at + 12 > b.length) throw new RangeError('the data ends here');
    const length = u32(b, at + 8, enc.littleEndian);
    return { group, element, length: length === 0xffffffff ? -1 : length, valueAt: at + 12 };
  }
  return { group, element, length: u16(b, at + 6, enc.littleEndian), valueAt: at + 8 };
}

/** The position after an undefined-length sequence (or item) starting its content at `at`. */
function skipUndefined(b: Buffer, at: number, enc: Encoding, depth: number, item: boolean): number {
  if (depth > MAX_SEQUENCE_DEPTH) throw new Error('sequences nested too deeply');
  let pos = at;
  for (;;) {
    const h = headerAt(b, pos, enc);
    if (h.group === 0xfffe && h.element === (item ? 0xe00d : 0xe0dd)) return h.valueAt;
    if (!item && !(h.group === 0xfffe && h.element === 0xe000))
      throw new Error('a sequence holds something other than items');
    pos = h.length < 0 ? skipUndefined(b, h.valueAt, enc, depth + 1, !item) : h.valueAt + h.length;
  }
}

/** (0008,0016) and (0008,0018) of the dataset (missing: ''); throws when `b` ends before group 0008 does. */
function sopUids(b: Buffer, enc: Encoding): { sopClassUid: string; sopInstanceUid: string } {
  const found = { sopClassUid: '', sopInstanceUid: '' };
  let pos = 0;
  for (;;) {
    // Data that ends before an element past (0008,0018): maybe truncated, maybe a head too short; no verdict.
    if (pos >= b.length) throw new RangeError('the data ends in group 0008');
    const h = headerAt(b, pos, enc);
    if (h.group > 0x0008 || (h.group === 0x0008 && h.element > 0x0018)) return found;
    if (h.length < 0) {
      pos = skipUndefined(b, h.valueAt, enc, 1, false);
      continue;
    }
    const end = h.valueAt + h.length;
    if (h.group === 0x0008 && (h.element === 0x0016 || h.element === 0x0018)) {
      if (end > b.length) throw new RangeError('the data ends here');
      const value = b
        .toString('latin1', h.valueAt, end)
        .replace(/[\0 ]+$/, '')
        .trim();
      if (h.element === 0x0016) found.sopClassUid = value;
      else found.sopInstanceUid = value;
    }
    pos = end;
  }
}

/**
 * The start of a deflated dataset, inflated from growing prefixes of `head` while the output stays within
 * INFLATED_HEAD_BYTES (a deflate bomb inflates far beyond from a few KiB); the problem when it is not deflate data.
 */
function inflateHead(head: Buffer): Buffer | string | undefined {
  let out: Buffer | undefined;
  for (const n of INFLATE_PREFIXES) {
    try {
      out = inflateRawSync(head.subarray(0, n), {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: INFLATED_HEAD_BYTES,
      });
    } catch (e) {
      if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') return out;
      return `the dataset cannot be inflated (Deflated Explicit VR Little Endian): ${(e as Error).message}`;
    }
    if (n >= head.length) break;
  }
  return out;
}

/**
 * The problem with a dataset received for `request` (its affected UIDs and the transfer syntax accepted for its
 * presentation context), judged from `datasetHead`, its first bytes as received; undefined when it matches or
 * cannot be judged here.
 */
export function receivedDatasetProblem(
  datasetHead: Buffer,
  request: StoreRequest,
): string | undefined {
  let head = datasetHead;
  const syntax = request.transferSyntaxUid;
  if (syntax === TransferSyntax.DeflatedExplicitVrLittleEndian) {
    const inflated = inflateHead(head);
    if (typeof inflated === 'string') return inflated;
    if (inflated === undefined) return undefined;
    head = inflated;
  }
  const enc = encodingOf(syntax);
  const wrong = encodingProblem(head, enc);
  if (wrong) {
    return `the dataset is not encoded in ${SYNTAX_NAMES[syntax] ?? syntax}, the transfer syntax accepted for it: ${wrong}`;
  }
  let uids;
  try {
    uids = sopUids(head, enc);
  } catch {
    // The data ended inside group 0008 (truncated, or a longer head would be needed) or the walk met a layout it
    // does not follow: the ingest decides, and names the problem.
    return undefined;
  }
  if (uids.sopInstanceUid !== request.sopInstanceUid) {
    return uids.sopInstanceUid
      ? `the dataset's SOP Instance UID ${uids.sopInstanceUid} differs from the C-STORE request's ${request.sopInstanceUid}`
      : `the dataset has no SOP Instance UID; the C-STORE request's is ${request.sopInstanceUid}`;
  }
  if (uids.sopClassUid !== request.sopClassUid) {
    return uids.sopClassUid
      ? `the dataset's SOP Class UID ${uids.sopClassUid} differs from the C-STORE request's ${request.sopClassUid}`
      : `the dataset has no SOP Class UID; the C-STORE request's is ${request.sopClassUid}`;
  }
  return undefined;
}
