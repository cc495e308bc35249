/**
 * The byte-level rewrite of `PUT /images/{id}/modify` (BEHAVIOR.md §10.8) on the anonymization library's
 * lossless element codec (never dcmjs, which drops private tags): group-length elements removed, sequences
 * written with undefined length, text re-encoded to UTF-8 (`ISO_IR 192`), file-meta group length recomputed,
 * then each mapping inserts or replaces the element at its path (root or inside existing sequence items).
 * A replaced element keeps its VR; an inserted one gets the dictionary VR (`UN` for private/unknown tags).
 *
 * Value encoding (decision, quirk §23.8 fixed): text VRs get the UTF-8 bytes padded to even length (UI with NUL,
 * others with a space); numeric binary VRs (US, SS, UL, SL, FL, FD, SV, UV, AT) get the binary encoding of the
 * `\`-separated numbers in the file's byte order, so `Rows = "512"` stays a valid US; the other binary VRs
 * (OB, OW, UN, …) get the text bytes padded with NUL, as Slicebox does.
 */
import {
  findElement,
  parseDicomFile,
  setElement,
  syntaxOf,
  writeDicomFile,
} from '../anonymization/dicom-codec.js';
import type { DicomDataset, DicomElement } from '../anonymization/dicom-codec.js';
import { toUtf8 } from '../anonymization/text-values.js';
import { DicomError } from '../dicom/errors.js';
import { formatTag, vrOf } from '../rendering/index.js';
import { InvalidArgument } from '../system/errors.js';
import type { MappingStep, ResolvedMapping } from './tag-mapping.js';

const SPECIFIC_CHARACTER_SET = 0x00080005;
const encoder = new TextEncoder();

/** The codec reads Part 10 files with a preamble; stored files may start directly with the meta group. */
export function withPreamble(bytes: Uint8Array): Uint8Array {
  const hasPrefix =
    bytes.length >= 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  if (hasPrefix || bytes.length < 4 || bytes[0] !== 0x02 || bytes[1] !== 0x00) return bytes;
  const out = new Uint8Array(132 + bytes.length);
  out.set(encoder.encode('DICM'), 128);
  out.set(bytes, 132);
  return out;
}

function removeGroupLengths(ds: DicomDataset): void {
  for (let i = ds.length - 1; i >= 0; i--) {
    const el = ds[i];
    if (!el) continue;
    if ((el.tag & 0xffff) === 0) ds.splice(i, 1);
    else if (el.items) for (const item of el.items) removeGroupLengths(item);
  }
}

function stepName(step: MappingStep): string {
  return formatTag(step.tag) + (step.item !== undefined ? `[${step.item}]` : '');
}

function numbers(value: string, vr: string, parse: (s: string) => number | bigint | undefined) {
  const parts = value === '' ? [] : value.split('\\').map((s) => s.trim());
  return parts.map((p) => {
    const n = parse(p);
    if (n === undefined) throw new InvalidArgument(`'${p}' is not a valid ${vr} value`);
    return n;
  });
}

function intParser(min: number, max: number) {
  return (s: string) => {
    const n = /^[+-]?\d+$/.test(s) ? Number(s) : Number.NaN;
    return Number.isSafeInteger(n) && n >= min && n <= max ? n : undefined;
  };
}

function bigParser(min: bigint, max: bigint) {
  return (s: string) => {
    if (!/^[+-]?\d+$/.test(s)) return undefined;
    const n = BigInt(s);
    return n >= min && n <= max ? n : undefined;
  };
}

function floatParser(s: string): number | undefined {
  const n = s === '' ? Number.NaN : Number(s);
  return Number.isNaN(n) && !/^nan$/i.test(s) ? undefined : n;
}

function atParser(s: string): number | undefined {
  const m = /^\(?([0-9a-f]{4}),?([0-9a-f]{4})\)?$/i.exec(s);
  return m ? Number.parseInt(`${m[1]}${m[2]}`, 16) : undefined;
}

const BINARY_NUMERIC: Record<
  string,
  { size: number; parse: (s: string) => number | bigint | undefined }
> = {
  US: { size: 2, parse: intParser(0, 0xffff) },
  SS: { size: 2, parse: intParser(-0x8000, 0x7fff) },
  UL: { size: 4, parse: intParser(0, 0xffffffff) },
  SL: { size: 4, parse: intParser(-0x80000000, 0x7fffffff) },
  FL: { size: 4, parse: floatParser },
  FD: { size: 8, parse: floatParser },
  SV: { size: 8, parse: bigParser(-(2n ** 63n), 2n ** 63n - 1n) },
  UV: { size: 8, parse: bigParser(0n, 2n ** 64n - 1n) },
  AT: { size: 4, parse: atParser },
};

const NUL_PADDED = new Set(['UI', 'OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);

/** The value bytes of a mapping for a VR, in the given byte order. */
export function encodeValue(value: string, vr: string, littleEndian: boolean): Uint8Array {
  const numeric = BINARY_NUMERIC[vr];
  if (numeric) {
    const values = numbers(value, vr, numeric.parse);
    const out = new Uint8Array(values.length * numeric.size);
    const view = new DataView(out.buffer);
    values.forEach((v, i) => {
      const o = i * numeric.size;
      switch (vr) {
        case 'US':
          return view.setUint16(o, Number(v), littleEndian);
        case 'SS':
          return view.setInt16(o, Number(v), littleEndian);
        case 'UL':
          return view.setUint32(o, Number(v), littleEndian);
        case 'SL':
          return view.setInt32(o, Number(v), littleEndian);
        case 'FL':
          return view.setFloat32(o, Number(v), littleEndian);
        case 'FD':
          return view.setFloat64(o, Number(v), littleEndian);
        case 'SV':
          return view.setBigInt64(o, BigInt(v), littleEndian);
        case 'UV':
          return view.setBigUint64(o, BigInt(v), littleEndian);
        case 'AT':
          view.setUint16(o, Number(v) >>> 16, littleEndian);
          return view.setUint16(o + 2, Number(v) & 0xffff, littleEndian);
      }
    });
    return out;
  }
  const bytes = encoder.encode(value);
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = NUL_PADDED.has(vr) ? 0x00 : 0x20;
  return padded;
}

function checkTarget(tag: number, depth: number): void {
  const group = tag >>> 16;
  if (group === 0x0002)
    throw new InvalidArgument('File meta information (group 0002) cannot be modified');
  if (group === 0xfffe) throw new InvalidArgument('Item and delimitation tags cannot be modified');
  if ((tag & 0xffff) === 0) throw new InvalidArgument('Group length elements cannot be modified');
  if (tag === SPECIFIC_CHARACTER_SET)
    throw new InvalidArgument('Specific Character Set is set by the server (ISO_IR 192)');
  if (depth === 0 && tag === 0x7fe00010) throw new InvalidArgument('Pixel Data cannot be modified');
}

function apply(dataset: DicomDataset, mapping: ResolvedMapping, littleEndian: boolean): void {
  let ds = dataset;
  const { steps } = mapping;
  for (let i = 0; i < steps.length - 1; i++) {
    const step = steps[i] as MappingStep;
    const items = findElement(ds, step.tag)?.items;
    const item = items?.[(step.item ?? 0) - 1];
    if (!item) {
      const path = steps
        .slice(0, i + 1)
        .map(stepName)
        .join('.');
      throw new InvalidArgument(`No such sequence item: ${path}`);
    }
    ds = item;
  }
  const leaf = steps[steps.length - 1] as MappingStep;
  checkTarget(leaf.tag, steps.length - 1);
  const existing = findElement(ds, leaf.tag);
  // Replace keeps the element's VR (as a streaming modify does); insert takes the dictionary VR.
  const vr = existing ? existing.vr : vrOf(leaf.tag).name;
  if (vr === 'SQ' || existing?.items || existing?.encapsulated)
    throw new InvalidArgument(
      `${formatTag(leaf.tag)} is a sequence or encapsulated data, not a value`,
    );
  const el: DicomElement = {
    tag: leaf.tag,
    vr,
    value: encodeValue(mapping.value, vr, littleEndian),
  };
  setElement(ds, el);
}

/** Rewrites a stored file with the mappings; DicomError if it cannot be read, InvalidArgument for bad paths. */
export function rewriteWithMappings(
  bytes: Uint8Array,
  mappings: readonly ResolvedMapping[],
): Uint8Array {
  let file;
  try {
    file = parseDicomFile(withPreamble(bytes));
  } catch (e) {
    throw new DicomError(e instanceof Error ? e.message : String(e));
  }
  removeGroupLengths(file.meta);
  removeGroupLengths(file.dataset);
  toUtf8(file.dataset);
  const { littleEndian } = syntaxOf(file.transferSyntaxUid);
  for (const m of mappings) apply(file.dataset, m, littleEndian);
  return writeDicomFile(file);
}
