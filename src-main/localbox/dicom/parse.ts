/**
 * Parsing of a stored (temporary) DICOM file for validation and metadata extraction, BEHAVIOR.md §6.1 steps 1-2.
 *
 * Library choice: dicom-parser (not dcmjs). Measured on the 52 test files: dcmjs accepts the truncated
 * MR_truncated.dcm and throws on every ISO 2022 multi-charset file (chrH31, chrI2, chrJapMulti, ...), which
 * Slicebox accepts; dicom-parser detects the truncation, keeps raw value bytes (so we decode character sets
 * ourselves) and is ~5x faster. Nothing is ever re-encoded here: the bytes stored are the bytes received.
 *
 * Memory is bounded: only the head of the file (everything up to the top-level Pixel Data element) is read into
 * memory, growing from 1 MiB as needed; the Pixel Data extent (plain or encapsulated fragments) is verified
 * against the file size with small reads, and whatever follows it (usually nothing or trailing padding) is parsed
 * to prove the file is complete. Deflated datasets must be inflated as a whole and are read completely.
 *
 * Budgets (codec/budgets.ts): a deflated dataset is inflated by a stream cut at `maxInflatedBytes`, and its
 * element structure is walked (a cheap pass that stops at the first element that is not DICOM) before
 * dicom-parser builds its tree, so a small deflate bomb costs neither memory nor minutes. What follows Pixel Data
 * must be DICOM elements with higher tags (PS3.5 §7.1): trailing garbage is refused, not parsed element by
 * element (DECISIONS.md).
 *
 * This runs in the workers (codec/jobs.ts): the result is the dicom-parser DataSet, which the job turns into
 * plain metadata before it crosses back to the main thread.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { inflateDataset } from '../codec/budgets.js';
import {
  DicomNestingError,
  DicomReadError,
  readDataset,
} from '../rendering/dicom-stream-reader.js';
import { dicomParser } from './dicom-parser.js';
import type { DataSet } from './dicom-parser.js';
import { DicomError, presentationContextError } from './errors.js';
import { ACCEPTED_TRANSFER_SYNTAXES, TransferSyntax } from './uids.js';

export interface ParsedDicom {
  /** Media Storage SOP Class UID from the file meta information, else SOP Class UID from the dataset. */
  sopClassUid: string;
  /** Transfer Syntax UID from the file meta information. */
  transferSyntaxUid: string;
  /** The dataset (everything before the top-level Pixel Data element, or all of it). */
  dataSet: DataSet;
}

export interface ParseOptions {
  /** Size of the first read; grows by doubling. Small values are useful in tests. */
  initialHeadBytes?: number;
}

const PIXEL_DATA = 'x7fe00010';
const DEFAULT_HEAD_BYTES = 1 << 20;

/** Thrown internally when the head read so far is not enough to parse up to Pixel Data. */
class NeedMoreBytes extends Error {}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e)
    return String((e as { exception: unknown }).exception);
  return String(e);
}

function looksTruncated(message: string): boolean {
  return /overrun|past end|end of buffer|eof encountered|greater than or equal to|exceeds|beyond/i.test(
    message,
  );
}

/** A parse error of the stream reader as the upload's DICOM error. */
function readErrorToDicomError(e: unknown): unknown {
  if (e instanceof DicomNestingError) return new DicomError(e.message);
  if (!(e instanceof DicomReadError)) return e;
  return new DicomError(
    e.truncated ? 'DICOM file is truncated' : `Not a DICOM stream: ${e.message}`,
  );
}

/**
 * dicom-parser's inflater: inflate within the budget, then walk the element structure (cheap, stops at the
 * first element that is not DICOM) before dicom-parser builds its tree of the whole dataset.
 */
function inflater(arr: Uint8Array, position: number): Uint8Array {
  let inflated: Buffer;
  try {
    inflated = inflateDataset(arr.subarray(position));
  } catch (e) {
    if (e instanceof DicomError) throw e;
    throw new DicomError(
      `Not a DICOM stream: cannot inflate the deflated dataset: ${errorText(e)}`,
    );
  }
  try {
    readDataset(inflated, { explicit: true, bigEndian: false }, { header: () => 'skip' });
  } catch (e) {
    throw readErrorToDicomError(e);
  }
  const out = new Uint8Array(position + inflated.length);
  out.set(arr.subarray(0, position));
  out.set(inflated, position);
  return out;
}

function readUidString(ds: DataSet, tag: string): string {
  const el = ds.elements[tag];
  if (!el || el.length === 0) return '';
  const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return (
    s
      .replace(/[\0 ]+$/g, '')
      .replace(/^[\0 ]+/g, '')
      .split('\\')[0] ?? ''
  );
}

/** Checks that every element (recursively) lies inside the parsed byte array. */
function checkExtents(ds: DataSet, limit: number, skipTag?: string): void {
  for (const el of Object.values(ds.elements)) {
    if (el.tag === skipTag) continue;
    if (!el.hadUndefinedLength && el.dataOffset + el.length > limit) {
      throw new NeedMoreBytes(`element ${el.tag} exceeds the data`);
    }
    for (const item of el.items ?? []) if (item.dataSet) checkExtents(item.dataSet, limit);
  }
  const eof = (ds.warnings ?? []).find((w) => /eof|end of file|overrun/i.test(w));
  if (eof) throw new NeedMoreBytes(eof);
}

interface HeadResult {
  parsed: ParsedDicom;
  /** Offset (in the head byte array) of the top-level Pixel Data element, if parsing stopped there. */
  pixelData?: { dataOffset: number; length: number; undefinedLength: boolean };
  /** Bytes prepended to the file content to form the byte array (a synthetic preamble), for offset mapping. */
  prefix: number;
  explicit: boolean;
  littleEndian: boolean;
}

/** Parses what is in `head` (the first `head.length` bytes of a file of `fileSize` bytes). */
function parseHead(
  fileBytes: Uint8Array,
  fileSize: number,
  allowedTs: ReadonlySet<string>,
): HeadResult {
  const complete = fileBytes.length >= fileSize;
  const need = (e: unknown): never => {
    // Raised by our inflater: final whatever the head size.
    if (e instanceof DicomError) throw e;
    if (!complete) throw new NeedMoreBytes(errorText(e));
    const msg = errorText(e);
    throw new DicomError(
      looksTruncated(msg) ? 'DICOM file is truncated' : `Not a DICOM stream: ${msg}`,
    );
  };

  let bytes = fileBytes;
  let prefix = 0;
  const hasPreamble =
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d;
  if (!hasPreamble) {
    if (!complete && bytes.length < 132) throw new NeedMoreBytes('short');
    const group = bytes.length >= 4 ? (bytes[0] as number) | ((bytes[1] as number) << 8) : -1;
    const groupBigEndian =
      bytes.length >= 4 ? ((bytes[0] as number) << 8) | (bytes[1] as number) : -1;
    if (group === 0x0002) {
      // File meta information without the 128-byte preamble and "DICM": the preamble is optional.
      prefix = 132;
      const withPreamble = new Uint8Array(bytes.length + prefix);
      withPreamble.set([0x44, 0x49, 0x43, 0x4d], 128);
      withPreamble.set(bytes, prefix);
      bytes = withPreamble;
    } else if (group >= 0x0004 && group <= 0x0010 && group % 2 === 0) {
      // A bare dataset: no file meta information, hence no transfer syntax -> never accepted.
      throw presentationContextError(sopClassOfBareDataset(bytes, false), '');
    } else if (groupBigEndian >= 0x0004 && groupBigEndian <= 0x0010 && groupBigEndian % 2 === 0) {
      throw presentationContextError(sopClassOfBareDataset(bytes, true), '');
    } else {
      throw new DicomError('Not a DICOM stream');
    }
  }

  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (e) {
    return need(e);
  }
  if (!complete) {
    // The meta group must end inside the head, before any dataset element.
    const position = (meta as DataSet & { position?: number }).position ?? bytes.length;
    if (position >= bytes.length)
      throw new NeedMoreBytes('file meta information continues past the head');
    try {
      checkExtents(meta, bytes.length);
    } catch (e) {
      return need(e);
    }
  }
  const transferSyntaxUid = readUidString(meta, 'x00020010');
  const metaSopClass = readUidString(meta, 'x00020002');
  if (!transferSyntaxUid || !allowedTs.has(transferSyntaxUid)) {
    throw presentationContextError(metaSopClass, transferSyntaxUid);
  }
  const deflated = transferSyntaxUid === TransferSyntax.DeflatedExplicitVrLittleEndian;
  if (deflated && !complete) throw new NeedMoreBytes('deflated datasets are parsed as a whole');
  if (!deflated) checkNesting(bytes, meta, transferSyntaxUid);

  let dataSet: DataSet;
  try {
    dataSet = deflated
      ? dicomParser.parseDicom(bytes, { inflater: inflater as never })
      : dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA });
  } catch (e) {
    return need(e);
  }
  const pixel = deflated ? undefined : dataSet.elements[PIXEL_DATA];
  // Without a top-level Pixel Data element the head may have ended on an element boundary: read everything.
  if (!pixel && !complete) throw new NeedMoreBytes('no pixel data in the head');
  try {
    checkExtents(dataSet, dataSet.byteArray.length, pixel ? PIXEL_DATA : undefined);
  } catch (e) {
    return need(e);
  }
  const sopClassUid = metaSopClass || readUidString(dataSet, 'x00080016');
  return {
    parsed: { sopClassUid, transferSyntaxUid, dataSet },
    pixelData: pixel
      ? {
          dataOffset: pixel.dataOffset - prefix,
          length: pixel.length,
          undefinedLength: pixel.length === 0xffffffff,
        }
      : undefined,
    prefix,
    explicit: transferSyntaxUid !== TransferSyntax.ImplicitVrLittleEndian,
    littleEndian: transferSyntaxUid !== TransferSyntax.ExplicitVrBigEndian,
  };
}

/**
 * Refuses sequences nested deeper than the stream reader's limit before dicom-parser, which recurses once per
 * level, builds its tree (thousands of levels overflow its stack, or not, depending on the thread's stack size).
 * A cheap walk of the element headers up to Pixel Data; any other problem it meets is left to dicom-parser.
 */
function checkNesting(bytes: Uint8Array, meta: DataSet, transferSyntaxUid: string): void {
  const start = (meta as DataSet & { position?: number }).position;
  if (start === undefined) return;
  try {
    readDataset(
      bytes,
      {
        explicit: transferSyntaxUid !== TransferSyntax.ImplicitVrLittleEndian,
        bigEndian: transferSyntaxUid === TransferSyntax.ExplicitVrBigEndian,
      },
      { header: (h) => (h.path.length === 0 && h.tag >= PIXEL_DATA_TAG ? 'stop' : 'skip') },
      start,
    );
  } catch (e) {
    if (e instanceof DicomNestingError) throw new DicomError(e.message);
  }
}

/** Best effort: the SOP Class UID of a dataset that has no file meta information (for the error message). */
function sopClassOfBareDataset(bytes: Uint8Array, bigEndian: boolean): string {
  const vr = String.fromCharCode(bytes[4] ?? 0, bytes[5] ?? 0);
  const explicit = /^[A-Z]{2}$/.test(vr);
  const ts = bigEndian
    ? TransferSyntax.ExplicitVrBigEndian
    : explicit
      ? TransferSyntax.ExplicitVrLittleEndian
      : TransferSyntax.ImplicitVrLittleEndian;
  try {
    const ds = dicomParser.parseDicom(bytes, {
      TransferSyntaxUID: ts,
      untilTag: 'x00080017',
    });
    return readUidString(ds, 'x00080016');
  } catch (e) {
    const partial = (e as { dataSet?: DataSet } | null)?.dataSet;
    return partial ? readUidString(partial, 'x00080016') : '';
  }
}

/**
 * What validation reads from: a file (read piece by piece) or bytes already in memory (an upload received into
 * memory, validated while its temp file is written; images/ingest.ts). Reads past the end return fewer bytes.
 */
interface ByteSource {
  size: number;
  readAt(position: number, length: number): Promise<Uint8Array>;
}

function fileSource(fh: FileHandle, size: number): ByteSource {
  return { size, readAt: (position, length) => readAt(fh, position, length) };
}

function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    readAt: (position, length) => Promise.resolve(bytes.subarray(position, position + length)),
  };
}

async function readAt(fh: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Walks the items of encapsulated Pixel Data from `offset`; returns the file offset just after the delimiter. */
async function endOfEncapsulatedPixelData(
  source: ByteSource,
  offset: number,
  fileSize: number,
): Promise<number> {
  let p = offset;
  for (;;) {
    if (p + 8 > fileSize) throw new DicomError('DICOM file is truncated');
    const h = await source.readAt(p, 8);
    const group = (h[0] as number) | ((h[1] as number) << 8);
    const element = (h[2] as number) | ((h[3] as number) << 8);
    const length =
      ((h[4] as number) | ((h[5] as number) << 8) | ((h[6] as number) << 16)) +
      (h[7] as number) * 0x1000000;
    if (group !== 0xfffe)
      throw new DicomError('Not a DICOM stream: malformed encapsulated pixel data');
    if (element === 0xe0dd) return p + 8;
    if (element !== 0xe000 || length === 0xffffffff) {
      throw new DicomError('Not a DICOM stream: malformed encapsulated pixel data');
    }
    p += 8 + length;
  }
}

const PIXEL_DATA_TAG = 0x7fe00010;

function tagText(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

/**
 * Checks whatever follows the Pixel Data element: DICOM elements in ascending tag order above (7FE0,0010)
 * (PS3.5 §7.1), e.g. (FFFA,FFFA) Digital Signatures or (FFFC,FFFC) Data Set Trailing Padding. Anything else
 * (trailing zeros, a second file, random bytes) is refused at the first element that breaks the rule, without
 * reading further.
 */
function checkTail(
  tail: Uint8Array,
  explicit: boolean,
  littleEndian: boolean,
  at: number,
  total = tail.length,
): 'ok' | 'read more' {
  if (tail.length === 0) return 'ok';
  let previous = PIXEL_DATA_TAG;
  /** End (in `tail`) of the last well-formed element: what follows it is refused. */
  let goodEnd = 0;
  const notDicom = (why?: string): DicomError =>
    new DicomError(
      `Not a DICOM stream: the last ${total - goodEnd} bytes (from byte ${at + goodEnd}, after Pixel Data) are not DICOM data elements${why ? ` (${why})` : ''}`,
    );
  try {
    readDataset(
      tail,
      { explicit, bigEndian: !littleEndian },
      {
        header(h) {
          if (h.path.length > 0) return 'skip';
          if (h.tag <= previous) throw notDicom(`${tagText(h.tag)} follows ${tagText(previous)}`);
          previous = h.tag;
          return 'skip';
        },
        elementEnd(h, end) {
          if (h.path.length === 0) goodEnd = end;
        },
      },
    );
  } catch (e) {
    if (e instanceof DicomError) throw e;
    if (e instanceof DicomReadError && e.truncated) {
      // Only a prefix of the tail was read: an element runs past it.
      if (tail.length < total) return 'read more';
      throw new DicomError('DICOM file is truncated');
    }
    throw notDicom();
  }
  return 'ok';
}

/** What follows Pixel Data is first checked on this much of it: garbage is refused without reading it all. */
const TAIL_PROBE_BYTES = 1 << 20;

/**
 * Parses and validates the transfer syntax of the DICOM file at `path`. Throws DicomError for anything that is
 * not a complete DICOM Part-10 stream with an accepted transfer syntax. The SOP class is checked by the caller.
 */
export async function validateDicomFile(
  path: string,
  options: ParseOptions = {},
): Promise<ParsedDicom> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    return await validateDicomSource(fileSource(fh, size), options);
  } finally {
    await fh.close();
  }
}

/** {@link validateDicomFile} for the bytes of a file already in memory (same checks, same errors). */
export function validateDicomBytes(
  bytes: Uint8Array,
  options: ParseOptions = {},
): Promise<ParsedDicom> {
  return validateDicomSource(bytesSource(bytes), options);
}

async function validateDicomSource(
  source: ByteSource,
  options: ParseOptions,
): Promise<ParsedDicom> {
  const size = source.size;
  if (size === 0) throw new DicomError('Not a DICOM stream: no data');
  let headSize = Math.min(size, Math.max(options.initialHeadBytes ?? DEFAULT_HEAD_BYTES, 1));
  for (;;) {
    const head = await source.readAt(0, headSize);
    let result: HeadResult;
    try {
      result = parseHead(head, size, ACCEPTED_TRANSFER_SYNTAXES);
    } catch (e) {
      if (e instanceof NeedMoreBytes && headSize < size) {
        headSize = Math.min(size, headSize * 2);
        continue;
      }
      if (e instanceof NeedMoreBytes) throw new DicomError('DICOM file is truncated');
      throw e;
    }
    if (result.pixelData) {
      const { dataOffset, length, undefinedLength } = result.pixelData;
      const end = undefinedLength
        ? await endOfEncapsulatedPixelData(source, dataOffset, size)
        : dataOffset + length;
      if (end > size) throw new DicomError('DICOM file is truncated');
      if (end < size) {
        const { explicit, littleEndian } = result;
        const total = size - end;
        const probe = await source.readAt(end, Math.min(total, TAIL_PROBE_BYTES));
        if (checkTail(probe, explicit, littleEndian, end, total) === 'read more')
          checkTail(await source.readAt(end, total), explicit, littleEndian, end);
      }
    }
    return result.parsed;
  }
}
