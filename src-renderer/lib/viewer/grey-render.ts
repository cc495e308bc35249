/**
 * The viewer's fast path for the most common images: greyscale, uncompressed (Implicit or Explicit VR Little
 * Endian, or deflated), 8 or 16 bits allocated, one sample per pixel. Their stored values are read straight from
 * the Pixel Data (a typed view, no copy unless the stored bits need masking), and windowed to RGBA through a
 * lookup table of every possible stored value (DICOM PS3.3 C.11.2.1.2 linear window after Rescale Slope and
 * Intercept, MONOCHROME1 inverted), written one 32-bit pixel at a time. Everything else goes through
 * dcmjs-imaging (compressed syntaxes, colour, big endian, 32-bit and float data).
 */
import { greyLevel, type VoiWindow } from './window-level.js';

type Elements = Record<string, unknown>;
export type StoredValues = Int8Array | Uint8Array | Int16Array | Uint16Array;

const LITTLE_ENDIAN = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
]);

function num(value: unknown): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** How a native greyscale image stores its values, or undefined when it is not one the fast path takes. */
export interface NativeLayout {
  bitsAllocated: 8 | 16;
  bitsStored: number;
  signed: boolean;
  width: number;
  height: number;
  frames: number;
  buffer: ArrayBuffer;
}

export function nativeLayout(
  elements: Elements,
  transferSyntaxUid: string,
): NativeLayout | undefined {
  if (!LITTLE_ENDIAN.has(transferSyntaxUid)) return undefined;
  const photometric = String(elements.PhotometricInterpretation ?? '').trim();
  if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') return undefined;
  if ((num(elements.SamplesPerPixel) ?? 1) !== 1) return undefined;
  const bitsAllocated = num(elements.BitsAllocated);
  if (bitsAllocated !== 8 && bitsAllocated !== 16) return undefined;
  const bitsStored = num(elements.BitsStored) ?? bitsAllocated;
  const highBit = num(elements.HighBit) ?? bitsStored - 1;
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit !== bitsStored - 1) return undefined;
  const data = elements.PixelData;
  const buffer = Array.isArray(data) ? data[0] : data;
  if (!(buffer instanceof ArrayBuffer)) return undefined;
  const width = num(elements.Columns) ?? 0;
  const height = num(elements.Rows) ?? 0;
  const frames = Math.max(1, num(elements.NumberOfFrames) ?? 1);
  if (width <= 0 || height <= 0) return undefined;
  if (buffer.byteLength < width * height * frames * (bitsAllocated / 8)) return undefined;
  return {
    bitsAllocated,
    bitsStored,
    signed: num(elements.PixelRepresentation) === 1,
    width,
    height,
    frames,
    buffer,
  };
}

/** The stored values of one frame (sign-extended or masked when fewer bits are stored than allocated). */
export function nativeValues(layout: NativeLayout, frame: number): StoredValues {
  const count = layout.width * layout.height;
  const offset = frame * count * (layout.bitsAllocated / 8);
  const view =
    layout.bitsAllocated === 16
      ? layout.signed
        ? new Int16Array(layout.buffer, offset, count)
        : new Uint16Array(layout.buffer, offset, count)
      : layout.signed
        ? new Int8Array(layout.buffer, offset, count)
        : new Uint8Array(layout.buffer, offset, count);
  if (layout.bitsStored === layout.bitsAllocated) return view;
  // Bits above the stored ones may hold anything (overlays of old files): keep the stored bits only.
  const out = new (view.constructor as new (n: number) => StoredValues)(count);
  const shift = 32 - layout.bitsStored;
  const mask = (1 << layout.bitsStored) - 1;
  for (let i = 0; i < count; i++) {
    const v = view[i]!;
    out[i] = layout.signed ? (v << shift) >> shift : v & mask;
  }
  return out;
}

interface Lut {
  key: string;
  table: Uint32Array;
  /** Stored value → table index. */
  offset: number;
}

let lastLut: Lut | null = null;

/** One RGBA pixel (little-endian 32-bit: A, B, G, R from the top byte) of grey level `g`. */
function packed(g: number): number {
  return ((255 << 24) | (g << 16) | (g << 8) | g) >>> 0;
}

function lutFor(
  layout: Pick<NativeLayout, 'bitsAllocated' | 'signed'>,
  window: VoiWindow,
  slope: number,
  intercept: number,
  invert: boolean,
): Lut {
  const key = `${layout.bitsAllocated}|${layout.signed}|${window.center}|${window.width}|${slope}|${intercept}|${invert}`;
  if (lastLut?.key === key) return lastLut;
  const size = 1 << layout.bitsAllocated;
  const offset = layout.signed ? size / 2 : 0;
  const table = new Uint32Array(size);
  for (let i = 0; i < size; i++) {
    const g = greyLevel((i - offset) * slope + intercept, window);
    table[i] = packed(invert ? 255 - g : g);
  }
  lastLut = { key, table, offset };
  return lastLut;
}

/** The frame windowed to RGBA (`width` × `height` × 4 bytes). */
export function greyToRgba(
  values: StoredValues,
  layout: Pick<NativeLayout, 'bitsAllocated' | 'signed'>,
  window: VoiWindow,
  slope: number,
  intercept: number,
  invert: boolean,
): Uint8ClampedArray<ArrayBuffer> {
  const lut = lutFor(layout, window, slope, intercept, invert);
  const out = new Uint32Array(values.length);
  const { table, offset } = lut;
  for (let i = 0; i < values.length; i++) out[i] = table[values[i]! + offset]!;
  return new Uint8ClampedArray(out.buffer);
}

/** Modality value range of a frame's stored values. */
export function modalityRange(
  values: ArrayLike<number>,
  slope: number,
  intercept: number,
  count = values.length,
): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < count; i++) {
    const v = values[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const a = min * slope + intercept;
  const b = max * slope + intercept;
  return { min: Math.min(a, b), max: Math.max(a, b) };
}
