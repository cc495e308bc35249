/**
 * A small DICOM Part-10 reader that reports data elements in stream order, with their encoded lengths,
 * undefined-length flags, nesting and item numbers — what `/attributes` and `/imageinformation` need.
 *
 * Why not dcmjs: it naturalizes into a tree and hides lengths, undefined-length flags and fragment
 * structure. Why not dicom-parser: it builds a tree keyed by tag (stream order only by insertion order),
 * needs a VR callback for Implicit VR, and drops the items of private sequences in Implicit VR data
 * (`element.items = undefined`), which loses e.g. `nested_priv_SQ.dcm`. A visitor over the byte stream is
 * short, handles every case the spec lists, and can stop exactly before Pixel Data without reading it.
 *
 * Encoding rules followed (PS3.5 §7, §A):
 * - Preamble + `DICM` optional; file meta (group 0002) is Explicit VR Little Endian; the dataset uses the
 *   meta's Transfer Syntax (Implicit LE, Explicit BE, Deflated Explicit LE, everything else Explicit LE).
 *   Without meta the encoding is guessed from the first element.
 * - Undefined length: SQ, UN (CP-246: contents are Implicit VR LE sequence items) and, in Implicit VR,
 *   tags the dictionary does not know are sequences; Pixel Data and other binary VRs are encapsulated
 *   fragments. Item and delimiter tags carry no VR.
 */
import { BudgetError, inflateDataset } from '../codec/budgets.js';
import { rawVrOf } from './dictionary.js';
import { LONG_VRS } from '../dicom/vr.js';

export class DicomReadError extends Error {
  constructor(
    message: string,
    /** The data ends inside an element (as opposed to being malformed). */
    readonly truncated = false,
  ) {
    super(message);
    this.name = 'DicomReadError';
  }
}

/**
 * Sequences nested deeper than this are refused (a DicomNestingError): real objects nest a few levels (functional
 * groups 2, SR content trees rarely 10), while thousands of levels make every recursive DICOM library overflow its
 * stack and make the attribute list grow with the square of the depth (DECISIONS.md "Fuzz test").
 */
export const MAX_SEQUENCE_DEPTH = 64;

/** Sequences nested more than {@link MAX_SEQUENCE_DEPTH} levels deep. */
export class DicomNestingError extends DicomReadError {
  constructor(tag: number) {
    super(
      `sequences are nested more than ${MAX_SEQUENCE_DEPTH} levels deep (at ${tagText(tag)}), which this box does not accept`,
    );
    // The name stays DicomReadError: that is how it crosses the worker boundary (codec/wire-errors.ts).
  }
}

function tagText(tag: number): string {
  const hex = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `(${hex.slice(0, 4)},${hex.slice(4)})`;
}

/** One step of the path to an element: the enclosing sequence's tag and the 1-based item number. */
export interface PathStep {
  tag: number;
  item: number;
}

export interface ElementHeader {
  /** Unsigned 32-bit tag. */
  tag: number;
  vr: string;
  /** Declared length; -1 for undefined length. */
  length: number;
  /** Enclosing sequence items, root first (empty at the root). */
  path: readonly PathStep[];
}

export interface DicomVisitor {
  /**
   * Called for every element header before its value is read. Return `'stop'` to end reading (the element
   * is not reported further), `'skip'` to pass over a value or fragments element silently (sequences are
   * always reported), or nothing to continue.
   */
  header?(h: ElementHeader): 'stop' | 'skip' | void;
  /** A value element (not a sequence, not fragments). `value` is a view into the input. */
  element?(h: ElementHeader, value: Uint8Array, bigEndian: boolean): void;
  /** A sequence element; its items follow through `itemStart`/`itemEnd` and their elements. */
  sequence?(h: ElementHeader): void;
  /** An encapsulated (fragments) value: Pixel Data or another binary element with undefined length. */
  fragments?(h: ElementHeader): void;
  itemStart?(path: readonly PathStep[]): void;
  itemEnd?(path: readonly PathStep[]): void;
  /**
   * After an element (value, sequence with its items, or fragments) was read: `end` is the offset just after it
   * in the bytes being read (the inflated bytes for a deflated dataset). Return `'stop'` to end reading.
   */
  elementEnd?(h: ElementHeader, end: number): 'stop' | void;
}

const TS_IMPLICIT_LE = '1.2.840.10008.1.2';
const TS_EXPLICIT_BE = '1.2.840.10008.1.2.2';
const TS_DEFLATED = '1.2.840.10008.1.2.1.99';

const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;
const UNDEFINED = 0xffffffff;
const PIXEL_REPRESENTATION = 0x00280103;

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

interface Encoding {
  explicit: boolean;
  bigEndian: boolean;
}

class Stop extends Error {}

class Reader {
  private pos: number;
  private pixelRepresentation = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    private readonly visitor: DicomVisitor,
    start: number,
  ) {
    this.pos = start;
  }

  get position(): number {
    return this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new DicomReadError(
        `Unexpected end of data at byte ${this.pos} (needed ${n} more)`,
        true,
      );
    }
  }

  private u16(be: boolean): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, !be);
    this.pos += 2;
    return v;
  }

  private u32(be: boolean): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, !be);
    this.pos += 4;
    return v;
  }

  private readTag(be: boolean): number {
    const group = this.u16(be);
    const element = this.u16(be);
    return ((group << 16) | element) >>> 0;
  }

  peekTag(be: boolean): number | undefined {
    if (this.pos + 4 > this.bytes.length) return undefined;
    const group = this.view.getUint16(this.pos, !be);
    const element = this.view.getUint16(this.pos + 2, !be);
    return ((group << 16) | element) >>> 0;
  }

  /** Reads elements until `end` (exclusive) or, for undefined length, until an item delimitation item. */
  readDataset(enc: Encoding, end: number | undefined, path: readonly PathStep[]): void {
    while (end === undefined ? true : this.pos < end) {
      if (end === undefined && this.pos >= this.bytes.length) {
        // The data ends inside an item of undefined length.
        throw new DicomReadError('Missing item delimitation item', true);
      }
      if (end !== undefined && this.pos >= this.bytes.length) return;
      const tag = this.readTag(enc.bigEndian);
      if (tag === ITEM_DELIMITATION) {
        this.u32(enc.bigEndian);
        if (end === undefined) return;
        continue; // stray delimiter inside a defined-length item: ignore
      }
      this.readElement(enc, tag, path);
    }
  }

  private readElement(enc: Encoding, tag: number, path: readonly PathStep[]): void {
    let vr: string;
    let length: number;
    if (enc.explicit) {
      this.need(2);
      vr = String.fromCharCode(this.bytes[this.pos] as number, this.bytes[this.pos + 1] as number);
      this.pos += 2;
      if (!/^[A-Z]{2}$/.test(vr)) {
        throw new DicomReadError(`Invalid VR at byte ${this.pos - 2} for tag ${tag.toString(16)}`);
      }
      if (LONG_VRS.has(vr)) {
        this.u16(enc.bigEndian);
        length = this.u32(enc.bigEndian);
      } else {
        length = this.u16(enc.bigEndian);
      }
    } else {
      length = this.u32(enc.bigEndian);
      vr = this.implicitVr(tag, length);
    }
    const undefinedLength = length === UNDEFINED;
    const isSequence =
      vr === 'SQ' ||
      (undefinedLength && vr === 'UN') ||
      (undefinedLength && !enc.explicit && !BINARY_VRS.has(vr));
    const header: ElementHeader = {
      tag,
      vr: isSequence ? 'SQ' : vr,
      length: undefinedLength ? -1 : length,
      path,
    };
    const action = this.visitor.header?.(header);
    if (action === 'stop') throw new Stop();

    if (isSequence) {
      if (path.length >= MAX_SEQUENCE_DEPTH) throw new DicomNestingError(tag);
      this.visitor.sequence?.(header);
      // CP-246: the items of an explicit UN element with undefined length are Implicit VR Little Endian.
      const itemEnc = enc.explicit && vr === 'UN' ? { explicit: false, bigEndian: false } : enc;
      this.readItems(itemEnc, tag, undefinedLength ? undefined : this.endOf(length), path);
      this.ended(header);
      return;
    }
    if (undefinedLength) {
      if (action !== 'skip') this.visitor.fragments?.(header);
      this.skipFragments(enc);
      this.ended(header);
      return;
    }
    this.need(length);
    const value = this.bytes.subarray(this.pos, this.pos + length);
    this.pos += length;
    if (tag === PIXEL_REPRESENTATION && path.length === 0 && value.length >= 2) {
      this.pixelRepresentation = new DataView(value.buffer, value.byteOffset, 2).getUint16(
        0,
        !enc.bigEndian,
      );
    }
    if (action !== 'skip') this.visitor.element?.(header, value, enc.bigEndian);
    this.ended(header);
  }

  private ended(header: ElementHeader): void {
    if (this.visitor.elementEnd?.(header, this.pos) === 'stop') throw new Stop();
  }

  private implicitVr(tag: number, length: number): string {
    const raw = rawVrOf(tag);
    switch (raw) {
      case 'xs':
        return this.pixelRepresentation === 1 ? 'SS' : 'US';
      case 'ox':
      case 'lt':
        return 'OW';
      case 'up':
        return 'UL';
      case 'na':
        return 'UN';
      case 'UN':
        // Unknown tag with undefined length: a sequence is the only legal reading.
        return length === UNDEFINED ? 'SQ' : 'UN';
      default:
        return raw;
    }
  }

  private endOf(length: number): number {
    const end = this.pos + length;
    if (end > this.bytes.length)
      throw new DicomReadError(`Element value runs past the end of data`, true);
    return end;
  }

  private readItems(
    enc: Encoding,
    sequenceTag: number,
    end: number | undefined,
    path: readonly PathStep[],
  ): void {
    let item = 0;
    for (;;) {
      if (end !== undefined && this.pos >= end) return;
      const tag = this.readTag(enc.bigEndian);
      const itemLength = this.u32(enc.bigEndian);
      if (tag === SEQUENCE_DELIMITATION) {
        if (end === undefined) return;
        continue;
      }
      if (tag !== ITEM) {
        throw new DicomReadError(
          `Expected an item in sequence ${sequenceTag.toString(16)}, got ${tag.toString(16)}`,
        );
      }
      item += 1;
      const itemPath = [...path, { tag: sequenceTag, item }];
      this.visitor.itemStart?.(itemPath);
      this.readDataset(
        enc,
        itemLength === UNDEFINED ? undefined : this.endOf(itemLength),
        itemPath,
      );
      this.visitor.itemEnd?.(itemPath);
    }
  }

  private skipFragments(enc: Encoding): void {
    for (;;) {
      const tag = this.readTag(enc.bigEndian);
      const length = this.u32(enc.bigEndian);
      if (tag === SEQUENCE_DELIMITATION) return;
      if (tag !== ITEM)
        throw new DicomReadError(`Expected a fragment item, got ${tag.toString(16)}`);
      this.need(length);
      this.pos += length;
    }
  }
}

function hasPreamble(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

function looksExplicit(bytes: Uint8Array, at: number): boolean {
  const a = bytes[at + 4];
  const b = bytes[at + 5];
  return a !== undefined && b !== undefined && a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a;
}

function asciiTrim(value: Uint8Array): string {
  let s = '';
  for (const b of value) s += String.fromCharCode(b);
  return s.replace(/[\0 ]+$/, '').trim();
}

/**
 * Reads `bytes` (a Part-10 file, or a bare dataset) and reports its elements in stream order to `visitor`:
 * file meta first, then the dataset. Throws {@link DicomReadError} on malformed or truncated data (elements
 * reported before the problem have already been delivered).
 */
export function readDicom(bytes: Uint8Array, visitor: DicomVisitor): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = hasPreamble(bytes) ? 132 : 0;
  let transferSyntax: string | undefined;
  let metaReader: Reader | undefined;

  // File meta: Explicit VR Little Endian, read while the group is 0002. The transfer syntax is read even when the
  // visitor skips it (it decides how the dataset is read).
  let skippedTransferSyntax = false;
  const capture: DicomVisitor = {
    ...visitor,
    header(h) {
      const action = visitor.header?.(h);
      if (h.tag === 0x00020010 && action === 'skip') {
        skippedTransferSyntax = true;
        return undefined;
      }
      return action;
    },
    element(h, value, be) {
      if (h.tag === 0x00020010) {
        transferSyntax = asciiTrim(value);
        if (skippedTransferSyntax) return;
      }
      visitor.element?.(h, value, be);
    },
  };
  const isMetaTag = (at: number): boolean =>
    at + 2 <= bytes.length && view.getUint16(at, true) === 0x0002;
  if (isMetaTag(start)) {
    metaReader = new Reader(bytes, view, capture, start);
    try {
      while (isMetaTag(metaReader.position)) {
        metaReader.readDataset({ explicit: true, bigEndian: false }, metaReader.position + 1, []);
      }
    } catch (e) {
      if (e instanceof Stop) return;
      throw e;
    }
    start = metaReader.position;
  }

  let data = bytes;
  let dataView = view;
  let enc: Encoding;
  if (transferSyntax === TS_IMPLICIT_LE) enc = { explicit: false, bigEndian: false };
  else if (transferSyntax === TS_EXPLICIT_BE) enc = { explicit: true, bigEndian: true };
  else if (transferSyntax === TS_DEFLATED) {
    try {
      const inflated = inflateDataset(bytes.subarray(start));
      data = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
    } catch (e) {
      if (e instanceof BudgetError) throw e;
      throw new DicomReadError(`Cannot inflate deflated dataset: ${(e as Error).message}`);
    }
    dataView = new DataView(data.buffer, data.byteOffset, data.byteLength);
    start = 0;
    enc = { explicit: true, bigEndian: false };
  } else if (transferSyntax !== undefined) enc = { explicit: true, bigEndian: false };
  else {
    // No meta information: a bare dataset. Its first group must be a low one (command or identifying
    // groups); anything else (text, images, random bytes) is not DICOM.
    if (start + 8 > bytes.length || view.getUint16(start, true) > 0x00ff) {
      throw new DicomReadError(
        'Not DICOM: no preamble, no file meta information and no recognisable dataset',
      );
    }
    enc = { explicit: looksExplicit(bytes, start), bigEndian: false };
  }

  const reader = new Reader(data, dataView, visitor, start);
  try {
    reader.readDataset(enc, data.length, []);
  } catch (e) {
    if (e instanceof Stop) return;
    throw e;
  }
}

/**
 * Reads a bare dataset (no preamble, no file meta) in a known encoding from `start`, reporting its elements to
 * `visitor`. Throws {@link DicomReadError} on malformed or truncated data.
 */
export function readDataset(
  bytes: Uint8Array,
  encoding: { explicit: boolean; bigEndian: boolean },
  visitor: DicomVisitor,
  start = 0,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    new Reader(bytes, view, visitor, start).readDataset(encoding, bytes.length, []);
  } catch (e) {
    if (e instanceof Stop) return;
    throw e;
  }
}

const PIXEL_DATA_TAG = 0x7fe00010;

/**
 * The offset just after the top-level Pixel Data element of a Part 10 file that is not deflated, or undefined
 * when there is none or the data cannot be read up to its end. Whatever follows it (padding, signatures, or
 * garbage) is not needed to render the image.
 */
export function endOfPixelData(bytes: Uint8Array): number | undefined {
  let end: number | undefined;
  let deflated = false;
  try {
    readDicom(bytes, {
      header(h) {
        if (h.tag === 0x00020010) return;
        return h.path.length === 0 && h.tag > PIXEL_DATA_TAG ? 'stop' : 'skip';
      },
      element(h, value) {
        if (h.tag === 0x00020010) deflated = asciiTrim(value) === TS_DEFLATED;
      },
      elementEnd(h, at) {
        // Offsets in a deflated dataset are offsets in the inflated bytes: not usable, and no need to inflate.
        if (h.tag === 0x00020010 && deflated) return 'stop';
        if (h.path.length === 0 && h.tag === PIXEL_DATA_TAG) {
          end = at;
          return 'stop';
        }
      },
    });
  } catch {
    return undefined;
  }
  return deflated ? undefined : end;
}
