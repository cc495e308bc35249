/**
 * The fuzz test's mutators: each takes a file and a seeded generator and returns a broken variant with a one-line
 * description of what it did (enough to rebuild it by hand), or undefined when it does not apply to that file.
 *
 * Blind: bit flips, interesting bytes, truncation at any byte, trailing garbage. Aware of DICOM structure (through
 * fuzz-layout.ts): truncation at element boundaries; length fields set to 0, odd, 0xFFFFFFFF, just past the end,
 * huge; nesting hundreds to thousands of levels deep, closed or never closed; VR bytes replaced; the meta group's
 * transfer syntax swapped without re-encoding; encapsulated Pixel Data with bad fragment lengths, missing
 * delimiters and a Basic Offset Table pointing anywhere; Rows/Columns/Bits/Samples/Frames absurd or mismatched with
 * the pixel data; deflate streams cut, wrapped, followed by garbage or bombed; text values with broken character
 * sets; elements duplicated or out of order.
 */
import { deflateRawSync, constants as zlibConstants, deflateSync } from 'node:zlib';
import type { Random } from './fuzz-random.js';
import {
  ITEM,
  ITEM_DELIMITATION,
  LONG_VRS,
  PIXEL_DATA,
  SEQUENCE_DELIMITATION,
  TS,
  UNDEFINED,
  encodeElement,
  encodeMeta,
  insertionPoint,
  itemHeader,
  parseDoc,
  rootElement,
  serializeDoc,
  textValue,
  walkDataset,
  withTransferSyntax,
  writeU16,
  writeU32,
} from './fuzz-layout.js';
import type { DicomDoc, ElementInfo, Encoding } from './fuzz-layout.js';

export interface Mutation {
  name: string;
  detail: string;
  bytes: Buffer;
}

export type Mutator = (rng: Random, file: Buffer) => Mutation | undefined;

const MIB = 1024 * 1024;

function hex(tag: number): string {
  const h = (tag >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return `(${h.slice(0, 4)},${h.slice(4)})`;
}

/** A position biased towards the head of the file, where the structure is. */
function position(rng: Random, length: number): number {
  if (length === 0) return 0;
  return rng.chance(0.7) ? rng.int(Math.min(length, 4096)) : rng.int(length);
}

/** Elements that are data elements (not items or delimiters). */
function dataElements(elements: readonly ElementInfo[]): ElementInfo[] {
  return elements.filter(
    (e) => e.kind === 'value' || e.kind === 'sequence' || e.kind === 'fragments',
  );
}

interface Walked {
  doc: DicomDoc;
  elements: ElementInfo[];
}

function walked(file: Buffer): Walked | undefined {
  const doc = parseDoc(file);
  if (!doc) return undefined;
  const elements = walkDataset(doc.dataset, doc.encoding);
  return elements.length === 0 ? undefined : { doc, elements };
}

function splice(buf: Buffer, from: number, to: number, insert: Buffer): Buffer {
  return Buffer.concat([buf.subarray(0, from), insert, buf.subarray(to)]);
}

// ── blind ─────────────────────────────────────────────────────────────────────────────────────────────────────

const bitFlip: Mutator = (rng, file) => {
  if (file.length === 0) return undefined;
  const out = Buffer.from(file);
  const n = rng.between(1, 16);
  const flips: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = position(rng, out.length);
    const bit = rng.int(8);
    out[at] = (out[at] as number) ^ (1 << bit);
    flips.push(`${at}.${bit}`);
  }
  return { name: 'bit-flip', detail: `bits flipped at byte.bit ${flips.join(' ')}`, bytes: out };
};

const interestingBytes: Mutator = (rng, file) => {
  if (file.length === 0) return undefined;
  const out = Buffer.from(file);
  const n = rng.between(1, 6);
  const sets: string[] = [];
  for (let i = 0; i < n; i++) {
    const at = position(rng, out.length);
    const v = rng.pick([0x00, 0xff, 0x7f, 0x80, 0xfe, 0x01]);
    out[at] = v;
    sets.push(`${at}=${v.toString(16)}`);
  }
  return { name: 'bytes', detail: `bytes set ${sets.join(' ')}`, bytes: out };
};

const truncateRandom: Mutator = (rng, file) => {
  if (file.length < 2) return undefined;
  const at = rng.int(file.length);
  return {
    name: 'truncate',
    detail: `cut at byte ${at} of ${file.length}`,
    bytes: file.subarray(0, at),
  };
};

const appendGarbage: Mutator = (rng, file) => {
  const kind = rng.pick(['zeros', 'random', 'self', 'item-delimiters'] as const);
  const size = rng.pick([1, 2, 7, 64, 4096, 200_000]);
  let tail: Buffer;
  if (kind === 'zeros') tail = Buffer.alloc(size);
  else if (kind === 'random') tail = rng.bytes(Math.min(size, 65536));
  else if (kind === 'self') tail = file;
  else
    tail = Buffer.concat(Array.from({ length: 64 }, () => itemHeader(ITEM_DELIMITATION, 0, false)));
  return {
    name: 'append',
    detail: `${tail.length} bytes of ${kind} appended`,
    bytes: Buffer.concat([file, tail]),
  };
};

// ── structure ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Truncation at an element boundary (header start, value start, inside the header), in the file's own bytes. */
const truncateAtBoundary: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w || w.doc.deflated) return undefined;
  const base = file.length - w.doc.dataset.length;
  const el = rng.pick(w.elements);
  const where = rng.pick(['header', 'value', 'inside-header', 'before-end'] as const);
  const local =
    where === 'header'
      ? el.offset
      : where === 'value'
        ? el.valueOffset
        : where === 'inside-header'
          ? el.offset + rng.between(1, Math.max(1, el.valueOffset - el.offset - 1))
          : Math.max(el.offset, el.end - 1);
  const at = Math.min(file.length, base + local);
  return {
    name: 'truncate-boundary',
    detail: `cut at ${where} of ${hex(el.tag)} (${el.kind}, depth ${el.depth}) = byte ${at}`,
    bytes: file.subarray(0, at),
  };
};

/** An element's length field set to 0, odd, 0xFFFFFFFF, just past the end, or huge. */
const lengthField: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w) return undefined;
  const { doc, elements } = w;
  const el = rng.pick(elements);
  const remaining = doc.dataset.length - el.valueOffset;
  const max = el.lengthSize === 4 ? 0xffffffff : 0xffff;
  const choice = rng.pick(['zero', 'odd', 'undefined', 'past-end', 'huge', 'double'] as const);
  let length: number;
  switch (choice) {
    case 'zero':
      length = 0;
      break;
    case 'odd':
      length =
        el.length === UNDEFINED ? 1 : (el.length | 1) === el.length ? el.length + 2 : el.length | 1;
      break;
    case 'undefined':
      length = max;
      break;
    case 'past-end':
      length = remaining + rng.between(1, 16);
      break;
    case 'huge':
      length = el.lengthSize === 4 ? 0x7ffffff0 + rng.int(8) * 2 : 0xfffe;
      break;
    case 'double':
      length = el.length === UNDEFINED ? 2 : el.length * 2;
      break;
  }
  length = Math.min(length, max);
  const dataset = Buffer.from(doc.dataset);
  if (el.lengthSize === 4) writeU32(dataset, el.lengthOffset, length, doc.encoding.bigEndian);
  else writeU16(dataset, el.lengthOffset, length, doc.encoding.bigEndian);
  return {
    name: 'length',
    detail: `length of ${hex(el.tag)} (${el.kind}, depth ${el.depth}, was ${el.length}) set to ${length} (${choice})`,
    bytes: serializeDoc(doc, dataset),
  };
};

/** A sequence nested `depth` levels deep (closed, never closed, or with defined lengths). */
function nestedSequence(depth: number, variant: NestingVariant, enc: Encoding): Buffer {
  const be = enc.bigEndian;
  const tag = 0x00081140;
  const leaf = encodeElement(0x00080100, 'SH', textValue('FUZZ'), enc);
  if (variant === 'defined') {
    let inner = leaf;
    for (let i = 0; i < depth; i++) {
      const item = Buffer.concat([itemHeader(ITEM, inner.length, be), inner]);
      inner = encodeElement(tag, 'SQ', item, enc);
    }
    return inner;
  }
  if (variant === 'un-private') {
    // CP-246: an explicit UN with undefined length holds Implicit VR Little Endian items; inside, unknown private
    // tags with undefined length are sequences too.
    const implicit = { explicit: false, bigEndian: false };
    const open: Buffer[] = [];
    const close: Buffer[] = [];
    for (let i = 0; i < depth; i++) {
      open.push(
        encodeElement(0x00091010, 'UN', Buffer.alloc(0), i === 0 ? enc : implicit, UNDEFINED),
      );
      open.push(itemHeader(ITEM, UNDEFINED, i === 0 ? be : false));
      close.unshift(
        Buffer.concat([
          itemHeader(ITEM_DELIMITATION, 0, i === 0 ? be : false),
          itemHeader(SEQUENCE_DELIMITATION, 0, i === 0 ? be : false),
        ]),
      );
    }
    return Buffer.concat([
      ...open,
      encodeElement(0x00091011, 'UN', textValue('FUZZ'), implicit),
      ...close,
    ]);
  }
  const open = Buffer.concat([
    encodeElement(tag, 'SQ', Buffer.alloc(0), enc, UNDEFINED),
    itemHeader(ITEM, UNDEFINED, be),
  ]);
  const close = Buffer.concat([
    itemHeader(ITEM_DELIMITATION, 0, be),
    itemHeader(SEQUENCE_DELIMITATION, 0, be),
  ]);
  const parts: Buffer[] = [];
  for (let i = 0; i < depth; i++) parts.push(open);
  parts.push(leaf);
  if (variant === 'closed') for (let i = 0; i < depth; i++) parts.push(close);
  return Buffer.concat(parts);
}

export type NestingVariant = 'closed' | 'unclosed' | 'defined' | 'un-private';

/**
 * `file` with a sequence nested `depth` levels inserted where its tag belongs ((0008,1140), or the private
 * (0009,1010) for 'un-private'); undefined when the file cannot be taken apart.
 */
export function withNestedSequence(
  file: Buffer,
  depth: number,
  variant: NestingVariant,
): { bytes: Buffer; at: number } | undefined {
  const w = walked(file);
  if (!w) return undefined;
  const { doc, elements } = w;
  const where = variant === 'un-private' ? 0x00091010 : 0x00081140;
  const at = insertionPoint(elements, where, doc.dataset.length);
  const dataset = splice(doc.dataset, at, at, nestedSequence(depth, variant, doc.encoding));
  return { bytes: serializeDoc(doc, dataset), at };
}

const deepNesting: Mutator = (rng, file) => {
  const doc = parseDoc(file);
  if (!doc) return undefined;
  const depth = rng.pick([64, 200, 500, 2000, 10000]);
  const variant = rng.pick(
    doc.encoding.explicit && !doc.encoding.bigEndian
      ? (['closed', 'unclosed', 'defined', 'un-private'] as const)
      : (['closed', 'unclosed', 'defined'] as const),
  );
  const nested = withNestedSequence(file, depth, variant);
  if (!nested) return undefined;
  return {
    name: 'nesting',
    detail: `a sequence nested ${depth} levels (${variant}) inserted at dataset byte ${nested.at}`,
    bytes: nested.bytes,
  };
};

const VRS = [
  'SQ',
  'UN',
  'OB',
  'OW',
  'UT',
  'US',
  'UL',
  'FD',
  'AT',
  'DS',
  'PN',
  'XX',
  'ob',
  '\0\0',
  '\xff\xff',
];

const vrReplace: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w) return undefined;
  const { doc, elements } = w;
  const explicitOnes = elements.filter((e) => e.vr !== undefined);
  if (explicitOnes.length === 0) {
    // Implicit VR: the meta group is explicit; replace one of its VRs.
    const i = rng.int(doc.meta.length);
    const meta = doc.meta.map((m, j) =>
      j === i ? { ...m, vr: rng.pick(['UN', 'OB', 'SQ', 'US']) } : m,
    );
    const m = meta[i]!;
    return {
      name: 'vr',
      detail: `meta ${hex(m.tag)} VR set to ${m.vr}`,
      bytes: Buffer.concat([doc.prefix, encodeMeta(meta), doc.rawDataset]),
    };
  }
  const el = rng.pick(explicitOnes);
  const vr = rng.chance(0.2) ? rng.bytes(2).toString('latin1') : rng.pick(VRS);
  const dataset = Buffer.from(doc.dataset);
  dataset.write(vr, el.offset + 4, 'latin1');
  return {
    name: 'vr',
    detail: `VR of ${hex(el.tag)} (depth ${el.depth}) ${el.vr} → ${JSON.stringify(vr)} (${LONG_VRS.has(el.vr ?? '') === LONG_VRS.has(vr) ? 'same' : 'other'} header size)`,
    bytes: serializeDoc(doc, dataset),
  };
};

const SYNTAXES = [TS.implicit, TS.explicit, TS.bigEndian, TS.deflated, TS.jpegBaseline];

/** The meta group's transfer syntax replaced, the dataset bytes left as they are. */
const transferSyntaxSwap: Mutator = (rng, file) => {
  const doc = parseDoc(file);
  if (!doc) return undefined;
  const others = SYNTAXES.filter((s) => s !== doc.transferSyntax);
  const uid = rng.chance(0.9)
    ? rng.pick(others)
    : rng.pick([
        TS.rle,
        TS.jpeg2000,
        '',
        '1.2.3',
        '1.2.840.10008.1.2.1 ',
        '1.2.840.10008.1.2.1.99.1',
      ]);
  return {
    name: 'ts-swap',
    detail: `transfer syntax ${doc.transferSyntax} → ${JSON.stringify(uid)} without re-encoding`,
    bytes: Buffer.concat([
      doc.prefix,
      encodeMeta(withTransferSyntax(doc.meta, uid)),
      doc.rawDataset,
    ]),
  };
};

const US_TAGS: Record<string, number> = {
  SamplesPerPixel: 0x00280002,
  Rows: 0x00280010,
  Columns: 0x00280011,
  BitsAllocated: 0x00280100,
  BitsStored: 0x00280101,
  HighBit: 0x00280102,
  PixelRepresentation: 0x00280103,
  PlanarConfiguration: 0x00280006,
};

/** A root element replaced by (or inserted as) `tag vr value`. */
function setRootElement(
  doc: DicomDoc,
  elements: readonly ElementInfo[],
  tag: number,
  vr: string,
  value: Buffer,
): Buffer {
  const encoded = encodeElement(tag, vr, value, doc.encoding);
  const existing = rootElement(elements, tag);
  if (existing) return splice(doc.dataset, existing.offset, existing.end, encoded);
  const at = insertionPoint(elements, tag, doc.dataset.length);
  return splice(doc.dataset, at, at, encoded);
}

/** Rows/Columns/BitsAllocated/SamplesPerPixel/NumberOfFrames/… set to absurd values, or mismatched with the data. */
const pixelModule: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w) return undefined;
  const { doc } = w;
  let { elements } = w;
  let dataset = doc.dataset;
  const changes: string[] = [];
  const n = rng.between(1, 3);
  for (let i = 0; i < n; i++) {
    const what = rng.pick([
      ...Object.keys(US_TAGS),
      'NumberOfFrames',
      'PhotometricInterpretation',
      'PixelDataLength',
    ]);
    if (what === 'NumberOfFrames') {
      const v = rng.pick(['0', '2', '3', '65535', '-1', '2147483648', '1e9', 'abc', '', '1\\2']);
      dataset = setRootElement({ ...doc, dataset }, elements, 0x00280008, 'IS', textValue(v));
      changes.push(`NumberOfFrames=${JSON.stringify(v)}`);
    } else if (what === 'PhotometricInterpretation') {
      const v = rng.pick([
        'RGB',
        'PALETTE COLOR',
        'YBR_FULL_422',
        'YBR_FULL',
        'MONOCHROME1',
        'XYZ',
        '',
        'ARGB',
      ]);
      dataset = setRootElement({ ...doc, dataset }, elements, 0x00280004, 'CS', textValue(v));
      changes.push(`PhotometricInterpretation=${JSON.stringify(v)}`);
    } else if (what === 'PixelDataLength') {
      const pd = rootElement(elements, PIXEL_DATA);
      if (!pd || pd.kind !== 'value' || pd.length === 0) continue;
      // Pixel data shorter or longer than the image module says, the file kept consistent.
      const newLength = rng.chance(0.5)
        ? Math.floor(pd.length / rng.between(2, 9)) & ~1
        : pd.length * 2;
      const value = Buffer.alloc(newLength);
      doc.dataset.copy(value, 0, pd.valueOffset, pd.valueOffset + Math.min(newLength, pd.length));
      dataset = splice(
        dataset,
        pd.offset,
        pd.end,
        encodeElement(PIXEL_DATA, pd.vr ?? 'OW', value, doc.encoding),
      );
      changes.push(`PixelData ${pd.length} → ${newLength} bytes`);
    } else {
      const tag = US_TAGS[what] as number;
      const v = rng.pick([
        0, 1, 2, 3, 4, 7, 8, 12, 15, 16, 17, 24, 32, 33, 64, 255, 256, 4096, 32768, 65535,
      ]);
      const value = Buffer.alloc(2);
      writeU16(value, 0, v, doc.encoding.bigEndian);
      dataset = setRootElement({ ...doc, dataset }, elements, tag, 'US', value);
      changes.push(`${what}=${v}`);
    }
    elements = walkDataset(dataset, doc.encoding);
  }
  if (changes.length === 0) return undefined;
  return { name: 'pixel-module', detail: changes.join(', '), bytes: serializeDoc(doc, dataset) };
};

/** The root encapsulated Pixel Data: fragment lengths, delimiters, Basic Offset Table, fragment bytes. */
const encapsulated: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w) return undefined;
  const { doc, elements } = w;
  const pd = rootElement(elements, PIXEL_DATA);
  if (!pd) return undefined;
  const be = doc.encoding.bigEndian;
  if (pd.kind !== 'fragments') {
    if (pd.kind !== 'value' || doc.deflated) return undefined;
    // Native pixel data wrapped into fragments, with the native syntax kept or JPEG Baseline claimed.
    const pixels = doc.dataset.subarray(pd.valueOffset, pd.end);
    const even = pixels.length % 2 === 1 ? Buffer.concat([pixels, Buffer.alloc(1)]) : pixels;
    const wrapped = Buffer.concat([
      encodeElement(PIXEL_DATA, 'OB', Buffer.alloc(0), doc.encoding, UNDEFINED),
      itemHeader(ITEM, 0, be),
      itemHeader(ITEM, even.length, be),
      even,
      itemHeader(SEQUENCE_DELIMITATION, 0, be),
    ]);
    const claimJpeg = rng.chance(0.5);
    const meta = claimJpeg ? withTransferSyntax(doc.meta, TS.jpegBaseline) : doc.meta;
    return {
      name: 'encapsulate',
      detail: `native Pixel Data wrapped in one fragment${claimJpeg ? ', transfer syntax set to JPEG Baseline' : ''}`,
      bytes: Buffer.concat([
        doc.prefix,
        encodeMeta(meta),
        splice(doc.dataset, pd.offset, pd.end, wrapped),
      ]),
    };
  }
  const items = elements.filter(
    (e) => e.depth === 1 && e.offset >= pd.valueOffset && e.offset < pd.end,
  );
  const fragments = items.filter((e) => e.kind === 'item');
  const delimiter = items.find((e) => e.tag === SEQUENCE_DELIMITATION);
  const variant = rng.pick([
    'fragment-length',
    'no-delimiter',
    'delimiter-as-item',
    'offset-table',
    'fragment-bytes',
    'split',
  ] as const);
  let dataset: Buffer = Buffer.from(doc.dataset);
  let detail: string;
  if (variant === 'fragment-length' && fragments.length > 0) {
    const f = rng.pick(fragments);
    const v = rng.pick([
      0,
      f.length + 1,
      UNDEFINED,
      doc.dataset.length - f.valueOffset + 2,
      0x7ffffff0,
      1,
    ]);
    writeU32(dataset, f.lengthOffset, v, be);
    detail = `fragment at ${f.offset} (length ${f.length}) length set to ${v}`;
  } else if (variant === 'no-delimiter' && delimiter) {
    dataset = splice(dataset, delimiter.offset, delimiter.offset + 8, Buffer.alloc(0));
    detail = 'sequence delimiter of Pixel Data removed';
  } else if (variant === 'delimiter-as-item' && delimiter) {
    writeU16(dataset, delimiter.offset + 2, 0xe000, be);
    detail = 'sequence delimiter of Pixel Data turned into an item';
  } else if (variant === 'offset-table' && fragments.length > 0) {
    const bot = fragments[0]!;
    const count = rng.between(1, 8);
    const offsets = Buffer.alloc(count * 4);
    const values: number[] = [];
    for (let i = 0; i < count; i++) {
      const v = rng.pick([
        0,
        1,
        3,
        8,
        0xffffffff,
        0x7fffffff,
        rng.int(doc.dataset.length * 2),
        rng.int(1 << 30),
      ]);
      writeU32(offsets, i * 4, v, be);
      values.push(v);
    }
    dataset = splice(
      dataset,
      bot.offset,
      bot.end,
      Buffer.concat([itemHeader(ITEM, offsets.length, be), offsets]),
    );
    detail = `Basic Offset Table set to [${values.join(', ')}]`;
  } else if (variant === 'fragment-bytes' && fragments.length > 1) {
    const f = rng.pick(fragments.slice(1));
    const value = Buffer.from(doc.dataset.subarray(f.valueOffset, f.end));
    const how = rng.pick(['random', 'zeros', 'cut', 'markers'] as const);
    if (how === 'random') rng.bytes(value.length).copy(value);
    else if (how === 'zeros') value.fill(0);
    else if (how === 'markers')
      for (let i = 0; i < value.length; i += rng.between(1, 64)) value[i] = 0xff;
    const newValue = how === 'cut' ? value.subarray(0, (rng.int(value.length) >> 1) << 1) : value;
    dataset = splice(
      dataset,
      f.offset,
      f.end,
      Buffer.concat([itemHeader(ITEM, newValue.length, be), newValue]),
    );
    detail = `fragment at ${f.offset} (${f.length} bytes): ${how}`;
  } else if (variant === 'split' && fragments.length > 1) {
    const f = fragments[fragments.length - 1]!;
    const value = doc.dataset.subarray(f.valueOffset, f.end);
    const size = rng.pick([2, 16, 256]);
    const parts: Buffer[] = [];
    for (let i = 0; i < value.length; i += size) {
      const part = value.subarray(i, i + size);
      parts.push(itemHeader(ITEM, part.length, be), part);
    }
    dataset = splice(dataset, f.offset, f.end, Buffer.concat(parts));
    detail = `last fragment (${f.length} bytes) split into fragments of ${size} bytes`;
  } else {
    return undefined;
  }
  return { name: 'encapsulated', detail, bytes: serializeDoc(doc, dataset) };
};

/** Deflate of `mib` MiB of zeros, computed once per size. */
const zerosDeflated = new Map<number, Buffer>();
function deflatedZeros(mib: number): Buffer {
  let out = zerosDeflated.get(mib);
  if (!out) {
    out = deflateRawSync(Buffer.alloc(mib * MIB), { level: 9 });
    zerosDeflated.set(mib, out);
  }
  return out;
}

/** A raw deflate stream of `head` that does not end (sync flush), so another stream can follow it. */
function openDeflate(head: Buffer): Buffer {
  return deflateRawSync(head, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
}

/**
 * Deflate streams cut, zlib-wrapped, followed by garbage, or bombed (a valid head, then mebibytes of zeros as the
 * value of a huge element or as garbage), around the inflated-size budget (128 MiB). Native Explicit VR Little
 * Endian files are first re-encoded as deflated.
 */
const deflateStream: Mutator = (rng, file) => {
  const doc = parseDoc(file);
  if (!doc) return undefined;
  let base = doc;
  if (!doc.deflated) {
    if (doc.transferSyntax !== TS.explicit) return undefined;
    base = {
      ...doc,
      deflated: true,
      meta: withTransferSyntax(doc.meta, TS.deflated),
      transferSyntax: TS.deflated,
    };
  }
  const head = Buffer.concat([base.prefix, encodeMeta(base.meta)]);
  const variant = rng.pick([
    'cut',
    'zlib-wrapped',
    'garbage-after',
    'bomb-element',
    'bomb-garbage',
    'converted',
  ] as const);
  const compressed = deflateRawSync(base.dataset);
  switch (variant) {
    case 'converted':
      return {
        name: 'deflate',
        detail: 'dataset deflated (a valid conversion)',
        bytes: Buffer.concat([head, compressed]),
      };
    case 'cut': {
      const at = rng.int(compressed.length);
      return {
        name: 'deflate',
        detail: `deflate stream (${compressed.length} bytes) cut at ${at}`,
        bytes: Buffer.concat([head, compressed.subarray(0, at)]),
      };
    }
    case 'zlib-wrapped':
      return {
        name: 'deflate',
        detail: 'dataset zlib-wrapped (RFC 1950) instead of raw deflate',
        bytes: Buffer.concat([head, deflateSync(base.dataset)]),
      };
    case 'garbage-after': {
      const garbage = rng.bytes(rng.pick([1, 16, 4096]));
      return {
        name: 'deflate',
        detail: `${garbage.length} random bytes after the end of the deflate stream`,
        bytes: Buffer.concat([head, compressed, garbage]),
      };
    }
    case 'bomb-element':
    case 'bomb-garbage': {
      const mib = rng.weighted([
        [4, 4],
        [64, 2],
        [127, 1],
        [200, 2],
      ] as const);
      const elements = walkDataset(base.dataset, base.encoding);
      const pd = rootElement(elements, PIXEL_DATA);
      const cut = pd ? pd.offset : base.dataset.length;
      let prefix = base.dataset.subarray(0, cut);
      if (variant === 'bomb-element') {
        // Pixel Data of `mib` MiB of zeros: well-formed DICOM that is big once inflated.
        const header = encodeElement(PIXEL_DATA, 'OB', Buffer.alloc(0), base.encoding, mib * MIB);
        prefix = Buffer.concat([prefix, header]);
      }
      return {
        name: 'deflate',
        detail: `${variant}: ${mib} MiB of zeros after dataset byte ${cut}`,
        bytes: Buffer.concat([head, openDeflate(prefix), deflatedZeros(mib)]),
      };
    }
  }
};

const CHARSETS = [
  'ISO 2022 IR 87',
  '\\ISO 2022 IR 87',
  'ISO 2022 IR 13\\ISO 2022 IR 87',
  '\\ISO 2022 IR 149',
  'GB18030',
  'GBK',
  'ISO_IR 192',
  'ISO_IR 100',
  'ISO_IR 6',
  'XYZ',
  '',
  'ISO 2022 IR 6\\ISO 2022 IR 58',
];

const TEXT_GARBAGE = [
  Buffer.from([0x1b, 0x24, 0x42]),
  Buffer.from([0x1b, 0x28, 0x42]),
  Buffer.from([0x1b, 0x24, 0x29, 0x43]),
  Buffer.from([0x1b]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0x00]),
  Buffer.from([0x5c, 0x5c, 0x3d, 0x5e]),
  Buffer.from([0x81]),
];

/** Text values and the Specific Character Set broken (escape sequences cut, invalid UTF-8, NULs). */
const textValues: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w) return undefined;
  const { doc } = w;
  let { elements } = w;
  let dataset = doc.dataset;
  const changes: string[] = [];
  if (rng.chance(0.6)) {
    const cs = rng.pick(CHARSETS);
    dataset = setRootElement({ ...doc, dataset }, elements, 0x00080005, 'CS', textValue(cs));
    elements = walkDataset(dataset, doc.encoding);
    changes.push(`SpecificCharacterSet=${JSON.stringify(cs)}`);
  }
  const texts = elements.filter(
    (e) =>
      e.depth === 0 &&
      e.kind === 'value' &&
      ['PN', 'LO', 'SH', 'LT', 'ST', 'UT', 'UC'].includes(e.vr ?? ''),
  );
  const tags = doc.encoding.explicit
    ? texts.map((t) => [t.tag, t.vr!] as const)
    : ([
        [0x00100010, 'PN'],
        [0x00081030, 'LO'],
      ] as const);
  const [tag, vr] = rng.pick(tags.length > 0 ? tags : ([[0x00100010, 'PN']] as const));
  const parts: Buffer[] = [];
  for (let i = rng.between(1, 12); i > 0; i--)
    parts.push(rng.chance(0.5) ? rng.pick(TEXT_GARBAGE) : rng.bytes(rng.between(1, 8)));
  let value = Buffer.concat(parts);
  if (value.length % 2 === 1) value = Buffer.concat([value, Buffer.from(' ')]);
  dataset = setRootElement({ ...doc, dataset }, elements, tag, vr, value);
  changes.push(`${hex(tag)} ${vr} = ${value.toString('hex')}`);
  return { name: 'text', detail: changes.join(', '), bytes: serializeDoc(doc, dataset) };
};

/** A root element duplicated, or two neighbours swapped (tags out of order). */
const order: Mutator = (rng, file) => {
  const w = walked(file);
  if (!w) return undefined;
  const { doc, elements } = w;
  const roots = dataElements(elements).filter((e) => e.depth === 0);
  if (roots.length < 2) return undefined;
  const i = rng.int(roots.length - 1);
  const a = roots[i]!;
  const b = roots[i + 1]!;
  const A = doc.dataset.subarray(a.offset, a.end);
  const B = doc.dataset.subarray(b.offset, b.end);
  if (rng.chance(0.5)) {
    return {
      name: 'order',
      detail: `${hex(a.tag)} duplicated`,
      bytes: serializeDoc(doc, splice(doc.dataset, a.end, a.end, Buffer.from(A))),
    };
  }
  return {
    name: 'order',
    detail: `${hex(a.tag)} and ${hex(b.tag)} swapped`,
    bytes: serializeDoc(doc, splice(doc.dataset, a.offset, b.end, Buffer.concat([B, A]))),
  };
};

export const MUTATORS: ReadonlyArray<readonly [string, Mutator, number]> = [
  ['bit-flip', bitFlip, 6],
  ['bytes', interestingBytes, 3],
  ['truncate', truncateRandom, 3],
  ['append', appendGarbage, 2],
  ['truncate-boundary', truncateAtBoundary, 4],
  ['length', lengthField, 8],
  ['nesting', deepNesting, 4],
  ['vr', vrReplace, 5],
  ['ts-swap', transferSyntaxSwap, 5],
  ['pixel-module', pixelModule, 7],
  ['encapsulated', encapsulated, 4],
  ['deflate', deflateStream, 3],
  ['text', textValues, 4],
  ['order', order, 2],
];

/** Applies 1–3 mutators chosen by weight; those that do not apply to the file are skipped. */
export function mutate(
  rng: Random,
  file: Buffer,
): { bytes: Buffer; steps: string[]; mutators: string[] } {
  const count = rng.weighted([
    [1, 70],
    [2, 25],
    [3, 5],
  ] as const);
  let bytes = file;
  const steps: string[] = [];
  const mutators: string[] = [];
  let attempts = 0;
  while (steps.length < count && attempts < 20) {
    attempts++;
    const [name, mutator] = rng.weighted(MUTATORS.map((m) => [m, m[2]] as const));
    const result = mutator(rng, bytes);
    if (!result) continue;
    bytes = result.bytes;
    steps.push(`${result.name}: ${result.detail}`);
    mutators.push(name);
  }
  return { bytes, steps, mutators };
}
