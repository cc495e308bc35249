/**
 * A small, lossless DICOM Part 10 reader/writer for the anonymization pipeline.
 *
 * Why not dcmjs: its naturalize round trip drops private tags, it cannot read nested private sequences in implicit
 * VR (nested_priv_SQ.dcm), throws on ISO 2022 character sets and does not re-deflate. Here every value is kept as
 * its raw bytes (in the transfer syntax's byte order), so pixel data and untouched elements are written back
 * byte-for-byte; only the structure is normalised: sequences and items are written with undefined length
 * (BEHAVIOR.md §11.4 step 3) and the file meta group length is recomputed.
 *
 * Supported: Implicit VR LE, Explicit VR LE, Explicit VR BE, Deflated Explicit VR LE, and any encapsulated
 * transfer syntax (encapsulated pixel data is kept as an opaque byte run incl. its delimiter).
 */
import { deflateRawSync } from 'node:zlib';
import { BudgetError, inflateDataset } from '../codec/budgets.js';
import { dictionaryVr } from './dictionary.js';
import { LONG_VRS } from '../dicom/vr.js';

export const IMPLICIT_LE = '1.2.840.10008.1.2';
export const EXPLICIT_LE = '1.2.840.10008.1.2.1';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const DEFLATED_LE = '1.2.840.10008.1.2.1.99';

export interface Syntax {
  explicitVr: boolean;
  littleEndian: boolean;
}

const IMPLICIT_LITTLE: Syntax = { explicitVr: false, littleEndian: true };
const EXPLICIT_LITTLE: Syntax = { explicitVr: true, littleEndian: true };

export interface DicomElement {
  /** group << 16 | element (unsigned). */
  tag: number;
  /** Explicit VR as read, or the dictionary VR for implicit syntaxes ('UN' for unknown/private). */
  vr: string;
  /** Raw value bytes (plain elements). Empty array for a zero-length value. */
  value?: Uint8Array;
  /** Items of a sequence (also of a UN element of undefined length, whose items are implicit VR LE). */
  items?: DicomDataset[];
  /** Encapsulated pixel data: everything after the header, items and sequence delimiter included. */
  encapsulated?: Uint8Array;
}

/** Elements of one dataset or item, kept sorted by tag. */
export type DicomDataset = DicomElement[];

export interface DicomFile {
  /** File meta information (group 0002) without the group length, which is recomputed on write. */
  meta: DicomDataset;
  dataset: DicomDataset;
  transferSyntaxUid: string;
  /** The 128-byte preamble, written back unchanged. */
  preamble: Uint8Array;
}

export class DicomParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DicomParseError';
  }
}

const UNDEFINED = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITER = 0xfffee00d;
const SEQUENCE_DELIMITER = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;

export function syntaxOf(transferSyntaxUid: string): Syntax {
  if (transferSyntaxUid === IMPLICIT_LE) return IMPLICIT_LITTLE;
  if (transferSyntaxUid === EXPLICIT_BE) return { explicitVr: true, littleEndian: false };
  return EXPLICIT_LITTLE;
}

// ---------------------------------------------------------------------------------------------- reading

class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(n: number): void {
    if (this.pos + n > this.bytes.length) {
      throw new DicomParseError(`Unexpected end of data at offset ${this.pos} (need ${n} bytes)`);
    }
  }
  u16(le: boolean): number {
    this.need(2);
    const v = this.view.getUint16(this.pos, le);
    this.pos += 2;
    return v;
  }
  u32(le: boolean): number {
    this.need(4);
    const v = this.view.getUint32(this.pos, le);
    this.pos += 4;
    return v;
  }
  tag(le: boolean): number {
    const g = this.u16(le);
    const e = this.u16(le);
    return ((g << 16) | e) >>> 0;
  }
  ascii(n: number): string {
    this.need(n);
    let s = '';
    for (let i = 0; i < n; i++) s += String.fromCharCode(this.bytes[this.pos + i] ?? 0);
    this.pos += n;
    return s;
  }
  take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  peekTag(le: boolean): number | undefined {
    if (this.pos + 4 > this.bytes.length) return undefined;
    const g = this.view.getUint16(this.pos, le);
    const e = this.view.getUint16(this.pos + 2, le);
    return ((g << 16) | e) >>> 0;
  }
}

function insertSorted(ds: DicomDataset, el: DicomElement): void {
  let i = ds.length;
  while (i > 0 && (ds[i - 1]?.tag ?? 0) > el.tag) i--;
  if (ds[i - 1]?.tag === el.tag) ds[i - 1] = el;
  else ds.splice(i, 0, el);
}

/** Reads elements until `end` (exclusive) or, when `untilItemDelimiter`, up to and including an item delimiter. */
function readDataset(
  r: Reader,
  syntax: Syntax,
  end: number,
  untilItemDelimiter: boolean,
): DicomDataset {
  const ds: DicomDataset = [];
  while (r.pos < end) {
    const tag = r.tag(syntax.littleEndian);
    if (tag === ITEM_DELIMITER) {
      r.u32(syntax.littleEndian);
      if (untilItemDelimiter) return ds;
      continue; // stray delimiter: ignore
    }
    if (tag === SEQUENCE_DELIMITER || tag === ITEM) {
      throw new DicomParseError(
        `Unexpected ${tag === ITEM ? 'item' : 'sequence delimiter'} at ${r.pos - 4}`,
      );
    }
    insertSorted(ds, readElement(r, syntax, tag));
  }
  if (untilItemDelimiter) throw new DicomParseError('Item without delimiter');
  return ds;
}

function readElement(r: Reader, syntax: Syntax, tag: number): DicomElement {
  const le = syntax.littleEndian;
  let vr: string;
  let length: number;
  if (syntax.explicitVr) {
    vr = r.ascii(2);
    if (!/^[A-Z]{2}$/.test(vr)) throw new DicomParseError(`Invalid VR at ${r.pos - 2}`);
    if (LONG_VRS.has(vr)) {
      r.u16(le);
      length = r.u32(le);
    } else length = r.u16(le);
  } else {
    vr = dictionaryVr(tag);
    length = r.u32(le);
  }

  if (length === UNDEFINED) {
    if (vr === 'SQ' || (!syntax.explicitVr && tag !== PIXEL_DATA)) {
      return { tag, vr: syntax.explicitVr ? vr : 'SQ', items: readItems(r, syntax, undefined) };
    }
    if (vr === 'UN') return { tag, vr, items: readItems(r, IMPLICIT_LITTLE, undefined) };
    return { tag, vr, encapsulated: readEncapsulated(r, syntax) };
  }

  r.need(length);
  const end = r.pos + length;
  if (vr === 'SQ' || (!syntax.explicitVr && vr === 'UN' && looksLikeSequence(r, syntax, length))) {
    return { tag, vr: 'SQ', items: readItems(r, syntax, end) };
  }
  return { tag, vr, value: r.take(length) };
}

/** Implicit VR, unknown tag, defined length: a sequence if the value starts with an item tag. */
function looksLikeSequence(r: Reader, syntax: Syntax, length: number): boolean {
  if (length < 8) return false;
  const t = r.peekTag(syntax.littleEndian);
  return t === ITEM || t === SEQUENCE_DELIMITER;
}

function readItems(r: Reader, syntax: Syntax, end: number | undefined): DicomDataset[] {
  const items: DicomDataset[] = [];
  const le = syntax.littleEndian;
  while (end === undefined || r.pos < end) {
    const tag = r.tag(le);
    const length = r.u32(le);
    if (tag === SEQUENCE_DELIMITER) {
      if (end === undefined) return items;
      continue;
    }
    if (tag !== ITEM) throw new DicomParseError(`Expected an item at ${r.pos - 8}`);
    if (length === UNDEFINED) items.push(readDataset(r, syntax, end ?? r.bytes.length, true));
    else {
      r.need(length);
      items.push(readDataset(r, syntax, r.pos + length, false));
    }
  }
  return items;
}

function readEncapsulated(r: Reader, syntax: Syntax): Uint8Array {
  const start = r.pos;
  for (;;) {
    const tag = r.tag(syntax.littleEndian);
    const length = r.u32(syntax.littleEndian);
    if (tag === SEQUENCE_DELIMITER) break;
    if (tag !== ITEM || length === UNDEFINED)
      throw new DicomParseError('Invalid encapsulated pixel data');
    r.need(length);
    r.pos += length;
  }
  return r.bytes.slice(start, r.pos);
}

/** Parses a Part 10 file (preamble, "DICM", file meta, dataset). */
export function parseDicomFile(bytes: Uint8Array): DicomFile {
  if (bytes.length < 132 || String.fromCharCode(...bytes.subarray(128, 132)) !== 'DICM') {
    throw new DicomParseError('Not a DICOM Part 10 file (no DICM prefix)');
  }
  const r = new Reader(bytes, 132);
  const meta: DicomDataset = [];
  let metaEnd: number | undefined;
  while (r.pos < bytes.length) {
    if (metaEnd !== undefined && r.pos >= metaEnd) break;
    const t = r.peekTag(true);
    if (t === undefined || t >>> 16 !== 0x0002) break;
    r.pos += 4;
    const el = readElement(r, EXPLICIT_LITTLE, t);
    if (t === 0x00020000 && el.value && el.value.length === 4) {
      metaEnd = r.pos + new DataView(el.value.buffer, el.value.byteOffset, 4).getUint32(0, true);
      continue;
    }
    insertSorted(meta, el);
  }
  const tsEl = meta.find((e) => e.tag === 0x00020010);
  const transferSyntaxUid = tsEl?.value ? asciiValue(tsEl.value) : '';
  if (!transferSyntaxUid)
    throw new DicomParseError('File meta information has no Transfer Syntax UID');

  let body = bytes.subarray(r.pos);
  if (transferSyntaxUid === DEFLATED_LE) {
    let inflated: Buffer;
    try {
      inflated = inflateDataset(body);
    } catch (e) {
      if (e instanceof BudgetError) throw e;
      throw new DicomParseError(`Cannot inflate the deflated dataset: ${(e as Error).message}`);
    }
    body = new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  }
  const br = new Reader(body);
  const dataset = readDataset(br, syntaxOf(transferSyntaxUid), body.length, false);
  return { meta, dataset, transferSyntaxUid, preamble: bytes.slice(0, 128) };
}

function asciiValue(bytes: Uint8Array): string {
  return String.fromCharCode(...bytes).replace(/[\0 ]+$/, '');
}

// ---------------------------------------------------------------------------------------------- writing

class Writer {
  private chunks: Uint8Array[] = [];
  size = 0;
  bytes(b: Uint8Array): void {
    this.chunks.push(b);
    this.size += b.length;
  }
  u16(v: number, le: boolean): void {
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, v, le);
    this.bytes(b);
  }
  u32(v: number, le: boolean): void {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, v >>> 0, le);
    this.bytes(b);
  }
  tag(t: number, le: boolean): void {
    this.u16(t >>> 16, le);
    this.u16(t & 0xffff, le);
  }
  ascii(s: string): void {
    this.bytes(Uint8Array.from(s, (c) => c.charCodeAt(0)));
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

function writeHeader(w: Writer, syntax: Syntax, tag: number, vr: string, length: number): void {
  const le = syntax.littleEndian;
  w.tag(tag, le);
  if (!syntax.explicitVr) {
    w.u32(length, le);
    return;
  }
  if (LONG_VRS.has(vr)) {
    w.ascii(vr);
    w.u16(0, le);
    w.u32(length, le);
  } else if (length > 0xffff) {
    // A short-VR value too long for its 16-bit length: write as UN (as dcmjs/dcm4che do).
    w.ascii('UN');
    w.u16(0, le);
    w.u32(length, le);
  } else {
    w.ascii(vr);
    w.u16(length, le);
  }
}

function writeDataset(w: Writer, ds: DicomDataset, syntax: Syntax): void {
  for (const el of [...ds].sort((a, b) => a.tag - b.tag)) {
    if (el.items) {
      const itemSyntax = syntax.explicitVr && el.vr === 'UN' ? IMPLICIT_LITTLE : syntax;
      writeHeader(w, syntax, el.tag, syntax.explicitVr ? el.vr : 'SQ', UNDEFINED);
      for (const item of el.items) {
        w.tag(ITEM, itemSyntax.littleEndian);
        w.u32(UNDEFINED, itemSyntax.littleEndian);
        writeDataset(w, item, itemSyntax);
        w.tag(ITEM_DELIMITER, itemSyntax.littleEndian);
        w.u32(0, itemSyntax.littleEndian);
      }
      w.tag(SEQUENCE_DELIMITER, itemSyntax.littleEndian);
      w.u32(0, itemSyntax.littleEndian);
    } else if (el.encapsulated) {
      writeHeader(w, syntax, el.tag, el.vr, UNDEFINED);
      w.bytes(el.encapsulated);
    } else {
      const value = el.value ?? new Uint8Array(0);
      writeHeader(w, syntax, el.tag, el.vr, value.length);
      w.bytes(value);
    }
  }
}

/** Serialises a DicomFile: preamble, DICM, meta (explicit LE, recomputed group length), dataset. */
export function writeDicomFile(file: DicomFile): Uint8Array {
  const metaWriter = new Writer();
  writeDataset(
    metaWriter,
    file.meta.filter((e) => e.tag !== 0x00020000),
    EXPLICIT_LITTLE,
  );
  const metaBytes = metaWriter.concat();
  const bodyWriter = new Writer();
  writeDataset(bodyWriter, file.dataset, syntaxOf(file.transferSyntaxUid));
  let body = bodyWriter.concat();
  if (file.transferSyntaxUid === DEFLATED_LE) body = new Uint8Array(deflateRawSync(body));

  const w = new Writer();
  w.bytes(file.preamble.length === 128 ? file.preamble : new Uint8Array(128));
  w.ascii('DICM');
  writeHeader(w, EXPLICIT_LITTLE, 0x00020000, 'UL', 4);
  w.u32(metaBytes.length, true);
  w.bytes(metaBytes);
  w.bytes(body);
  return w.concat();
}

// ---------------------------------------------------------------------------------------------- access

export function findElement(ds: DicomDataset, tag: number): DicomElement | undefined {
  return ds.find((e) => e.tag === tag);
}

/** Inserts or replaces an element, keeping the dataset sorted. */
export function setElement(ds: DicomDataset, el: DicomElement): void {
  insertSorted(ds, el);
}

export function removeElement(ds: DicomDataset, tag: number): void {
  const i = ds.findIndex((e) => e.tag === tag);
  if (i >= 0) ds.splice(i, 1);
}
