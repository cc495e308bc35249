/**
 * Where things are in a DICOM Part-10 file, for the fuzz test's structure-aware mutators: the preamble, the file
 * meta elements (Explicit VR Little Endian), and every data element of the dataset with the offsets of its header,
 * length field and value, in the dataset's own encoding (inflated when the file is deflated).
 *
 * Written for the test on purpose (not the engine's readers): the mutators must not depend on the code under test.
 * It is tolerant: it stops at the first thing it cannot read and keeps what it found.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const TS = {
  implicit: '1.2.840.10008.1.2',
  explicit: '1.2.840.10008.1.2.1',
  bigEndian: '1.2.840.10008.1.2.2',
  deflated: '1.2.840.10008.1.2.1.99',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  rle: '1.2.840.10008.1.2.5',
  jpeg2000: '1.2.840.10008.1.2.4.90',
} as const;

export interface Encoding {
  explicit: boolean;
  bigEndian: boolean;
}

export const LONG_VRS = new Set([
  'OB',
  'OD',
  'OF',
  'OL',
  'OV',
  'OW',
  'SQ',
  'SV',
  'UC',
  'UN',
  'UR',
  'UT',
  'UV',
]);

export const UNDEFINED = 0xffffffff;
export const ITEM = 0xfffee000;
export const ITEM_DELIMITATION = 0xfffee00d;
export const SEQUENCE_DELIMITATION = 0xfffee0dd;
export const PIXEL_DATA = 0x7fe00010;

export type ElementKind = 'value' | 'sequence' | 'fragments' | 'item' | 'delimiter';

export interface ElementInfo {
  kind: ElementKind;
  /** Offset of the header (in the bytes walked). */
  offset: number;
  tag: number;
  /** The VR as written (Explicit VR), else undefined. */
  vr: string | undefined;
  lengthOffset: number;
  lengthSize: 2 | 4;
  valueOffset: number;
  /** The declared length (0xFFFFFFFF for undefined). */
  length: number;
  /** Sequence/item nesting (0 at the root). */
  depth: number;
  /** Offset just after the element, its items and delimiters (when they could be read). */
  end: number;
}

export interface MetaElement {
  tag: number;
  vr: string;
  value: Buffer;
}

/** A Part-10 file taken apart. `dataset` is inflated when the transfer syntax is deflated. */
export interface DicomDoc {
  /** Bytes before the meta group: the 128-byte preamble and `DICM`, or nothing. */
  prefix: Buffer;
  meta: MetaElement[];
  transferSyntax: string;
  /** The dataset as stored in the file (still deflated for a deflated file). */
  rawDataset: Buffer;
  /** The dataset in its encoding (inflated for a deflated file). */
  dataset: Buffer;
  deflated: boolean;
  encoding: Encoding;
}

function asciiValue(value: Buffer): string {
  return value.toString('latin1').replace(/[\0 ]+$/, '');
}

export function encodingOf(transferSyntax: string): Encoding {
  if (transferSyntax === TS.implicit) return { explicit: false, bigEndian: false };
  if (transferSyntax === TS.bigEndian) return { explicit: true, bigEndian: true };
  return { explicit: true, bigEndian: false };
}

/** Splits a Part-10 file into prefix, meta and dataset; undefined when it has no readable file meta group. */
export function parseDoc(file: Buffer): DicomDoc | undefined {
  const hasPreamble = file.length >= 132 && file.toString('latin1', 128, 132) === 'DICM';
  let p = hasPreamble ? 132 : 0;
  const meta: MetaElement[] = [];
  while (p + 8 <= file.length && file.readUInt16LE(p) === 0x0002) {
    const tag = ((file.readUInt16LE(p) << 16) | file.readUInt16LE(p + 2)) >>> 0;
    const vr = file.toString('latin1', p + 4, p + 6);
    if (!/^[A-Z]{2}$/.test(vr)) return undefined;
    let length: number;
    let valueOffset: number;
    if (LONG_VRS.has(vr)) {
      if (p + 12 > file.length) return undefined;
      length = file.readUInt32LE(p + 8);
      valueOffset = p + 12;
    } else {
      length = file.readUInt16LE(p + 6);
      valueOffset = p + 8;
    }
    if (length === UNDEFINED || valueOffset + length > file.length) return undefined;
    meta.push({ tag, vr, value: Buffer.from(file.subarray(valueOffset, valueOffset + length)) });
    p = valueOffset + length;
  }
  const tsElement = meta.find((m) => m.tag === 0x00020010);
  if (!tsElement) return undefined;
  const transferSyntax = asciiValue(tsElement.value);
  const rawDataset = Buffer.from(file.subarray(p));
  const deflated = transferSyntax === TS.deflated;
  let dataset = rawDataset;
  if (deflated) {
    try {
      dataset = inflateRawSync(rawDataset);
    } catch {
      return undefined;
    }
  }
  return {
    prefix: Buffer.from(file.subarray(0, hasPreamble ? 132 : 0)),
    meta,
    transferSyntax,
    rawDataset,
    dataset,
    deflated,
    encoding: encodingOf(transferSyntax),
  };
}

/** The meta group's bytes, with (0002,0000) recomputed when present. */
export function encodeMeta(meta: readonly MetaElement[]): Buffer {
  const encoded = meta.map((m) => ({
    tag: m.tag,
    bytes: encodeElement(m.tag, m.vr, m.value, { explicit: true, bigEndian: false }),
  }));
  const groupLength = encoded
    .filter((e) => e.tag !== 0x00020000)
    .reduce((s, e) => s + e.bytes.length, 0);
  return Buffer.concat(
    encoded.map((e) => {
      if (e.tag !== 0x00020000) return e.bytes;
      const v = Buffer.alloc(4);
      v.writeUInt32LE(groupLength);
      return encodeElement(0x00020000, 'UL', v, { explicit: true, bigEndian: false });
    }),
  );
}

/** The file of a doc: prefix, meta, and the dataset (deflated again when the doc is deflated). */
export function serializeDoc(doc: DicomDoc, dataset = doc.dataset): Buffer {
  return Buffer.concat([
    doc.prefix,
    encodeMeta(doc.meta),
    doc.deflated ? deflateRawSync(dataset) : dataset,
  ]);
}

/** The meta with another transfer syntax UID (the dataset bytes are not touched). */
export function withTransferSyntax(meta: readonly MetaElement[], uid: string): MetaElement[] {
  const value = Buffer.from(uid.length % 2 === 1 ? `${uid}\0` : uid, 'latin1');
  return meta.map((m) => (m.tag === 0x00020010 ? { ...m, value } : m));
}

export function writeU16(buf: Buffer, offset: number, v: number, bigEndian: boolean): void {
  if (bigEndian) buf.writeUInt16BE(v & 0xffff, offset);
  else buf.writeUInt16LE(v & 0xffff, offset);
}

export function writeU32(buf: Buffer, offset: number, v: number, bigEndian: boolean): void {
  if (bigEndian) buf.writeUInt32BE(v >>> 0, offset);
  else buf.writeUInt32LE(v >>> 0, offset);
}

function tagBytes(tag: number, bigEndian: boolean): Buffer {
  const b = Buffer.alloc(4);
  writeU16(b, 0, tag >>> 16, bigEndian);
  writeU16(b, 2, tag & 0xffff, bigEndian);
  return b;
}

/** One data element in `enc` (`length` overrides the value's length, e.g. 0xFFFFFFFF). */
export function encodeElement(
  tag: number,
  vr: string,
  value: Buffer,
  enc: Encoding,
  length = value.length,
): Buffer {
  const be = enc.bigEndian;
  if (!enc.explicit) {
    const h = Buffer.alloc(8);
    tagBytes(tag, be).copy(h, 0);
    writeU32(h, 4, length, be);
    return Buffer.concat([h, value]);
  }
  if (LONG_VRS.has(vr)) {
    const h = Buffer.alloc(12);
    tagBytes(tag, be).copy(h, 0);
    h.write(vr, 4, 'latin1');
    writeU32(h, 8, length, be);
    return Buffer.concat([h, value]);
  }
  const h = Buffer.alloc(8);
  tagBytes(tag, be).copy(h, 0);
  h.write(vr, 4, 'latin1');
  writeU16(h, 6, length, be);
  return Buffer.concat([h, value]);
}

/** An item, item delimitation or sequence delimitation header (tag + 32-bit length, no VR). */
export function itemHeader(tag: number, length: number, bigEndian: boolean): Buffer {
  const h = Buffer.alloc(8);
  tagBytes(tag, bigEndian).copy(h, 0);
  writeU32(h, 4, length, bigEndian);
  return h;
}

/** A text value padded to an even length. */
export function textValue(text: string, pad = ' '): Buffer {
  return Buffer.from(text.length % 2 === 1 ? text + pad : text, 'latin1');
}

class Unreadable extends Error {}

class Walker {
  readonly elements: ElementInfo[] = [];

  constructor(
    private readonly bytes: Buffer,
    private readonly maxDepth = 64,
  ) {}

  private u16(at: number, be: boolean): number {
    if (at + 2 > this.bytes.length) throw new Unreadable();
    return be ? this.bytes.readUInt16BE(at) : this.bytes.readUInt16LE(at);
  }

  private u32(at: number, be: boolean): number {
    if (at + 4 > this.bytes.length) throw new Unreadable();
    return be ? this.bytes.readUInt32BE(at) : this.bytes.readUInt32LE(at);
  }

  private tag(at: number, be: boolean): number {
    return ((this.u16(at, be) << 16) | this.u16(at + 2, be)) >>> 0;
  }

  /** Reads elements from `p` until `end` or an item delimitation; returns the offset after them. */
  dataset(p: number, end: number, enc: Encoding, depth: number, undefinedItem: boolean): number {
    while (p < end) {
      if (p + 8 > this.bytes.length) throw new Unreadable();
      const tag = this.tag(p, enc.bigEndian);
      if (tag === ITEM_DELIMITATION) {
        this.elements.push(this.simple('delimiter', p, tag, depth, enc.bigEndian));
        p += 8;
        if (undefinedItem) return p;
        continue;
      }
      p = this.element(p, tag, enc, depth);
    }
    return p;
  }

  private simple(
    kind: ElementKind,
    p: number,
    tag: number,
    depth: number,
    be: boolean,
  ): ElementInfo {
    return {
      kind,
      offset: p,
      tag,
      vr: undefined,
      lengthOffset: p + 4,
      lengthSize: 4,
      valueOffset: p + 8,
      length: this.u32(p + 4, be),
      depth,
      end: p + 8,
    };
  }

  private element(p: number, tag: number, enc: Encoding, depth: number): number {
    const be = enc.bigEndian;
    let vr: string | undefined;
    let lengthOffset: number;
    let lengthSize: 2 | 4;
    if (enc.explicit) {
      vr = this.bytes.toString('latin1', p + 4, p + 6);
      if (!/^[A-Z]{2}$/.test(vr)) throw new Unreadable();
      if (LONG_VRS.has(vr)) {
        lengthOffset = p + 8;
        lengthSize = 4;
      } else {
        lengthOffset = p + 6;
        lengthSize = 2;
      }
    } else {
      lengthOffset = p + 4;
      lengthSize = 4;
    }
    const length = lengthSize === 4 ? this.u32(lengthOffset, be) : this.u16(lengthOffset, be);
    const valueOffset = lengthOffset + lengthSize;
    const undefinedLength = length === UNDEFINED;
    const info: ElementInfo = {
      kind: 'value',
      offset: p,
      tag,
      vr,
      lengthOffset,
      lengthSize,
      valueOffset,
      length,
      depth,
      end: valueOffset,
    };
    this.elements.push(info);
    const sequence =
      vr === 'SQ' ||
      (undefinedLength && vr === 'UN') ||
      (undefinedLength && !enc.explicit && tag !== PIXEL_DATA);
    if (sequence) {
      info.kind = 'sequence';
      if (depth >= this.maxDepth) throw new Unreadable();
      const itemEnc = enc.explicit && vr === 'UN' ? { explicit: false, bigEndian: false } : enc;
      info.end = this.items(valueOffset, undefinedLength ? undefined : length, itemEnc, depth);
      return info.end;
    }
    if (undefinedLength) {
      info.kind = 'fragments';
      let q = valueOffset;
      for (;;) {
        const t = this.tag(q, be);
        const item = this.simple(t === ITEM ? 'item' : 'delimiter', q, t, depth + 1, be);
        this.elements.push(item);
        if (t === SEQUENCE_DELIMITATION) {
          q += 8;
          break;
        }
        if (t !== ITEM) throw new Unreadable();
        q += 8 + item.length;
        item.end = q;
        if (q > this.bytes.length) throw new Unreadable();
      }
      info.end = q;
      return q;
    }
    info.end = valueOffset + length;
    if (info.end > this.bytes.length) throw new Unreadable();
    return info.end;
  }

  private items(p: number, length: number | undefined, enc: Encoding, depth: number): number {
    const end = length === undefined ? Number.POSITIVE_INFINITY : p + length;
    while (p < end) {
      const tag = this.tag(p, enc.bigEndian);
      const item = this.simple(
        tag === ITEM ? 'item' : 'delimiter',
        p,
        tag,
        depth + 1,
        enc.bigEndian,
      );
      this.elements.push(item);
      if (tag === SEQUENCE_DELIMITATION) return p + 8;
      if (tag !== ITEM) throw new Unreadable();
      if (item.length === UNDEFINED) {
        p = this.dataset(p + 8, Number.POSITIVE_INFINITY, enc, depth + 1, true);
      } else {
        p = this.dataset(p + 8, p + 8 + item.length, enc, depth + 1, false);
      }
      item.end = p;
    }
    return p;
  }
}

/** Every element of a dataset in stream order, as far as it can be read. */
export function walkDataset(dataset: Buffer, enc: Encoding): ElementInfo[] {
  const walker = new Walker(dataset);
  try {
    walker.dataset(0, dataset.length, enc, 0, false);
  } catch (e) {
    if (!(e instanceof Unreadable)) throw e;
  }
  return walker.elements;
}

/** The root element with `tag`, if the walk reached it. */
export function rootElement(
  elements: readonly ElementInfo[],
  tag: number,
): ElementInfo | undefined {
  return elements.find((e) => e.depth === 0 && e.tag === tag && e.kind !== 'delimiter');
}

/** Where a root element with `tag` belongs (offset of the first root element with a greater tag, or the end). */
export function insertionPoint(
  elements: readonly ElementInfo[],
  tag: number,
  datasetLength: number,
): number {
  const after = elements.find(
    (e) =>
      e.depth === 0 &&
      (e.kind === 'value' || e.kind === 'sequence' || e.kind === 'fragments') &&
      e.tag > tag,
  );
  return after ? after.offset : datasetLength;
}
