/**
 * `GET /images/{id}/png` (BEHAVIOR §10.7): one frame rendered to an 8-bit PNG.
 *
 * - Decoding and the DICOM display pipeline (modality LUT, VOI window, MONOCHROME1 inversion, palette
 *   colour, YBR→RGB, overlays) are dcmjs-imaging's; its WASM decoders cover the compressed transfer
 *   syntaxes in the test data (JPEG baseline/extended/lossless, JPEG-LS, JPEG 2000) and deflate. RLE is
 *   decoded here (rle-decode.ts) because dcmjs-imaging mis-orders colour RLE samples.
 * - Window: `windowMin < windowMax` → that window (see voi-window.ts for the centre decision); otherwise the
 *   file's first window when it is usable for this frame, else min..max of the frame's modality values
 *   (stored values after rescale, padding value excluded) — so test.dcm (WC 0 / WW 65536) shows contrast.
 *   Smallest/Largest Image Pixel Value are deliberately not trusted for this: the frame's data is.
 * - Greyscale frames give a greyscale PNG, colour frames an RGB PNG.
 * - Size: Columns × Rows, as Slicebox renders (§10.7): dcmjs-imaging's aspect-ratio correction for non-square
 *   Pixel Spacing (or Imager/Nominal Scanned Pixel Spacing, Pixel Aspect Ratio) is switched off by hiding those
 *   elements from it. A viewer that wants square pixels corrects the aspect itself.
 * - `imageHeight` > 0 and different from the frame's height: bilinear scaling to that height, width
 *   proportional (truncated).
 * - Only the bytes up to the end of the top-level Pixel Data are handed to the image reader: whatever follows
 *   (padding, signatures, or garbage appended to the file) is not needed and would be parsed element by element.
 * - Budgets (codec/budgets.ts): a deflated dataset is inflated within `maxInflatedBytes` before the image reader
 *   sees it, and the frame's decoded size must fit `maxDecodedBytes`; both fail with a BudgetError.
 * - Every other failure is a {@link RenderError} (the route answers 501).
 */
import { PNG } from 'pngjs';
import { BudgetError, checkDecodedFrame } from '../codec/budgets.js';
import { proportionalWidth, scaleBilinear, type Raster } from './bilinear-scale.js';
import type { DcmjsImaging } from './dcmjs-module.js';
import { DicomReadError, endOfPixelData, readDicom } from './dicom-stream-reader.js';
import { imagingRuntime } from './imaging-runtime.js';
import { RenderError } from './render-error.js';
import { decodeRleFrame } from './rle-decode.js';
import {
  isUsableFileWindow,
  requestedWindow,
  type ValueRange,
  type VoiWindow,
} from './voi-window.js';

export interface RenderOptions {
  /** 1-based frame number; default 1. */
  frameNumber?: number;
  /** With `windowMax`, an explicit window in modality values; used only when windowMin < windowMax. */
  windowMin?: number;
  windowMax?: number;
  /** Output height in pixels; 0/undefined (or ≤ 0) keeps the native size. */
  imageHeight?: number;
  /** Reproduce Slicebox 2.0's window centre of (max − min) / 2 instead of the midpoint. Default false. */
  legacyWindowCentre?: boolean;
}

/** Output safety limits: an `imageheight` of a million must fail cleanly, not exhaust memory. */
const MAX_OUTPUT_HEIGHT = 16384;
const MAX_OUTPUT_PIXELS = 64 * 1024 * 1024;

const PIXEL_DATA = 0x7fe00010;
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const RLE = '1.2.840.10008.1.2.5';
const DEFLATED = '1.2.840.10008.1.2.1.99';
const TRANSFER_SYNTAX_UID = 0x00020010;
const NATIVE_TRANSFER_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);

type DicomImage = InstanceType<DcmjsImaging['DicomImage']>;
type RenderResult = ReturnType<DicomImage['render']>;
type Elements = Record<string, unknown>;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function num(v: unknown): number | undefined {
  const first = Array.isArray(v) ? (v[0] as unknown) : v;
  const n =
    typeof first === 'number'
      ? first
      : typeof first === 'string'
        ? Number.parseFloat(first)
        : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

function byteLengthOf(v: unknown): number {
  const parts = Array.isArray(v) ? (v as unknown[]) : [v];
  let total = 0;
  for (const p of parts) {
    if (p instanceof ArrayBuffer) total += p.byteLength;
    else if (ArrayBuffer.isView(p)) total += p.byteLength;
  }
  return total;
}

function openImage(lib: DcmjsImaging, bytes: Uint8Array): DicomImage {
  try {
    return new lib.DicomImage(toArrayBuffer(bytes));
  } catch (e) {
    throw new RenderError('unreadable', `Cannot read DICOM data: ${message(e)}`);
  }
}

function checkPixelData(image: DicomImage, elements: Elements): void {
  const pixelData = elements.PixelData ?? elements.FloatPixelData ?? elements.DoubleFloatPixelData;
  if (pixelData === undefined || byteLengthOf(pixelData) === 0) {
    throw new RenderError('no-pixel-data', 'The object has no pixel data');
  }
  if (!NATIVE_TRANSFER_SYNTAXES.has(image.getTransferSyntaxUid())) return;
  const rows = num(elements.Rows) ?? 0;
  const columns = num(elements.Columns) ?? 0;
  const samples = num(elements.SamplesPerPixel) ?? 1;
  const bits = num(elements.BitsAllocated) ?? 0;
  const frames = image.getNumberOfFrames();
  const expected = Math.ceil((rows * columns * samples * bits * frames) / 8);
  if (byteLengthOf(pixelData) < expected) {
    throw new RenderError(
      'truncated-pixel-data',
      `Pixel data has ${byteLengthOf(pixelData)} bytes, ${expected} expected`,
    );
  }
}

function toBytes(part: unknown): Uint8Array {
  if (part instanceof ArrayBuffer) return new Uint8Array(part);
  if (ArrayBuffer.isView(part))
    return new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
  throw new Error('Unexpected pixel data value');
}

/** Replaces RLE pixel data by its native decoding (see rle-decode.ts for why). */
function decodeRle(lib: DcmjsImaging, image: DicomImage): DicomImage {
  const elements = image.getElements();
  const frames = image.getNumberOfFrames();
  const parts = (Array.isArray(elements.PixelData) ? elements.PixelData : [elements.PixelData]).map(
    toBytes,
  );
  let encoded: Uint8Array[];
  if (parts.length === frames) encoded = parts;
  else if (frames === 1) encoded = [Buffer.concat(parts)];
  else
    throw new RenderError(
      'unsupported-pixel-data',
      `RLE data has ${parts.length} fragments for ${frames} frames`,
    );
  const layout = {
    rows: num(elements.Rows) ?? 0,
    columns: num(elements.Columns) ?? 0,
    samplesPerPixel: num(elements.SamplesPerPixel) ?? 1,
    bitsAllocated: num(elements.BitsAllocated) ?? 8,
  };
  let decoded: Uint8Array;
  try {
    decoded = Buffer.concat(encoded.map((f) => decodeRleFrame(f, layout)));
  } catch (e) {
    throw new RenderError('unsupported-pixel-data', `Cannot decode RLE data: ${message(e)}`);
  }
  const pixelData = decoded.buffer.slice(
    decoded.byteOffset,
    decoded.byteOffset + decoded.byteLength,
  );
  return new lib.DicomImage(
    { ...elements, PixelData: [pixelData], PlanarConfiguration: 0 },
    EXPLICIT_LE,
  );
}

/**
 * The fragments of a single-frame encapsulated image joined into one, once: dcmjs-imaging joins them pairwise
 * (each step copies everything joined so far), so 100 000 small fragments of a 1.7 MB JPEG took 22 s and 200 000
 * ran past the job time limit (found by the fuzz test). The decoder receives the same bytes.
 */
function joinFragmentsOfSingleFrame(image: DicomImage): void {
  const elements = image.getElements();
  const parts = elements.PixelData;
  if (!Array.isArray(parts) || parts.length < 2 || image.getNumberOfFrames() !== 1) return;
  if (NATIVE_TRANSFER_SYNTAXES.has(image.getTransferSyntaxUid())) return;
  const fragments = (parts as unknown[]).map(toBytes);
  const joined = new Uint8Array(fragments.reduce((n, f) => n + f.byteLength, 0));
  let at = 0;
  for (const f of fragments) {
    joined.set(f, at);
    at += f.byteLength;
  }
  elements.PixelData = [joined.buffer];
}

/** Elements from which dcmjs-imaging derives a pixel aspect ratio (and then resamples the frame). */
const ASPECT_TAGS = [
  'PixelSpacing',
  'ImagerPixelSpacing',
  'NominalScannedPixelSpacing',
  'PixelAspectRatio',
];

/** The frame is rendered Columns × Rows (§10.7): no aspect-ratio resampling. */
function hideAspect(elements: Elements): void {
  for (const key of ASPECT_TAGS) delete elements[key];
}

/** The decoded size of one frame must fit the budget before anything is decoded. */
function checkFrameBudget(elements: Elements): void {
  checkDecodedFrame(
    num(elements.Rows) ?? 0,
    num(elements.Columns) ?? 0,
    num(elements.SamplesPerPixel) ?? 1,
    num(elements.BitsAllocated) ?? 8,
  );
}

/**
 * The bytes the image reader gets: up to the end of the top-level Pixel Data. A deflated dataset is inflated
 * within the budget and its structure walked first (the image reader would inflate it without a limit).
 */
function renderableBytes(bytes: Uint8Array, deflated: boolean): Uint8Array {
  if (deflated) {
    try {
      readDicom(bytes, {
        header: (h) => (h.path.length === 0 && h.tag > PIXEL_DATA ? 'stop' : 'skip'),
      });
    } catch (e) {
      if (e instanceof BudgetError) throw e;
      if (e instanceof DicomReadError)
        throw new RenderError(e.truncated ? 'truncated-pixel-data' : 'unreadable', e.message);
      throw e;
    }
    return bytes;
  }
  const end = endOfPixelData(bytes);
  return end !== undefined && end < bytes.length ? bytes.subarray(0, end) : bytes;
}

/** Is the file's transfer syntax Deflated Explicit VR Little Endian (read from the file meta only)? */
function isDeflated(bytes: Uint8Array): boolean {
  let deflated = false;
  try {
    readDicom(bytes, {
      header: (h) => (h.tag === TRANSFER_SYNTAX_UID ? undefined : 'skip'),
      element(h, value) {
        if (h.tag === TRANSFER_SYNTAX_UID)
          deflated = String.fromCharCode(...value).replace(/[\0 ]+$/, '') === DEFLATED;
      },
      // Stop right after the transfer syntax: nothing of the dataset is read (nor inflated).
      elementEnd: (h) => (h.tag === TRANSFER_SYNTAX_UID ? 'stop' : undefined),
    });
  } catch {
    // Unreadable meta: the image reader reports it.
  }
  return deflated;
}

/**
 * dcmjs silently pads a Pixel Data value that the file cuts short (MR_truncated.dcm renders with garbage
 * rows), so the declared lengths are checked against the bytes by reading the element headers.
 */
function checkNotTruncated(bytes: Uint8Array): void {
  try {
    readDicom(bytes, {
      header: (h) => (h.path.length === 0 && h.tag > PIXEL_DATA ? 'stop' : 'skip'),
    });
  } catch (e) {
    if (e instanceof DicomReadError && e.truncated) {
      throw new RenderError('truncated-pixel-data', `Truncated DICOM data: ${e.message}`);
    }
    // Anything else is left to the image reader, which may be more lenient than this reader.
  }
}

function frameIndexOf(image: DicomImage, frameNumber: number | undefined): number {
  const n = frameNumber ?? 1;
  const frames = image.getNumberOfFrames();
  if (!Number.isInteger(n) || n < 1 || n > frames) {
    throw new RenderError('frame-out-of-range', `Frame ${n} out of range 1..${frames}`);
  }
  return n - 1;
}

const WINDOW_TAGS = ['WindowCenter', 'WindowWidth', 'WindowCenterWidthExplanation'];
const EXTREME_TAGS = ['SmallestImagePixelValue', 'LargestImagePixelValue'];

/**
 * Min..max of the frame's modality values, as dcmjs-imaging computes its automatic window when the
 * dataset has neither a window nor Smallest/Largest Image Pixel Value: those elements are hidden for this
 * one render, whose output is also the right picture when the file's window is not usable.
 */
function renderWithDataRange(
  image: DicomImage,
  frame: number,
): { result: RenderResult; range: ValueRange } {
  const elements = image.getElements();
  const hidden = new Map<string, unknown>();
  for (const key of [...WINDOW_TAGS, ...EXTREME_TAGS]) {
    if (key in elements) {
      hidden.set(key, elements[key]);
      delete elements[key];
    }
  }
  try {
    const result = image.render({ frame });
    const wl = result.windowLevel;
    if (!wl)
      throw new RenderError('unsupported-pixel-data', 'No automatic window for a greyscale image');
    const half = wl.getWindow() / 2;
    return { result, range: { min: wl.getLevel() - half, max: wl.getLevel() + half } };
  } finally {
    for (const [key, value] of hidden) elements[key] = value;
  }
}

function fileWindow(lib: DcmjsImaging, elements: Elements): VoiWindow | undefined {
  const first = lib.WindowLevel.fromDicomImageElements(elements)[0];
  return first ? { center: first.getLevel(), width: first.getWindow() } : undefined;
}

function renderGreyscale(
  lib: DcmjsImaging,
  image: DicomImage,
  frame: number,
  opts: RenderOptions,
): RenderResult {
  const requested = requestedWindow(
    opts.windowMin,
    opts.windowMax,
    opts.legacyWindowCentre ?? false,
  );
  if (requested) {
    return image.render({
      frame,
      windowLevel: new lib.WindowLevel(requested.width, requested.center),
    });
  }
  const own = fileWindow(lib, image.getElements());
  const auto = renderWithDataRange(image, frame);
  if (isUsableFileWindow(own, auto.range)) {
    return image.render({ frame, windowLevel: new lib.WindowLevel(own.width, own.center) });
  }
  return auto.result;
}

function isGreyscale(elements: Elements): boolean {
  const pi = String(
    Array.isArray(elements.PhotometricInterpretation)
      ? elements.PhotometricInterpretation[0]
      : (elements.PhotometricInterpretation ?? ''),
  )
    .trim()
    .toUpperCase();
  return pi === 'MONOCHROME1' || pi === 'MONOCHROME2';
}

function toRaster(result: RenderResult, grey: boolean): Raster {
  const rgba = new Uint8Array(result.pixels);
  const n = result.width * result.height;
  const channels = grey ? 1 : 3;
  const data = new Uint8Array(n * channels);
  if (grey) {
    for (let i = 0; i < n; i++) data[i] = rgba[i * 4] as number;
  } else {
    for (let i = 0, o = 0; i < n; i++, o += 3) {
      data[o] = rgba[i * 4] as number;
      data[o + 1] = rgba[i * 4 + 1] as number;
      data[o + 2] = rgba[i * 4 + 2] as number;
    }
  }
  return { width: result.width, height: result.height, channels, data };
}

function resize(raster: Raster, imageHeight: number | undefined): Raster {
  if (imageHeight === undefined || !(imageHeight > 0) || imageHeight === raster.height)
    return raster;
  const height = Math.trunc(imageHeight);
  const width = proportionalWidth(raster.width, raster.height, height);
  if (height > MAX_OUTPUT_HEIGHT || width * height > MAX_OUTPUT_PIXELS) {
    throw new RenderError(
      'image-too-large',
      `Requested ${width}x${height} exceeds the output limit`,
    );
  }
  return scaleBilinear(raster, width, height);
}

function encodePng(raster: Raster): Buffer {
  const colorType = raster.channels === 1 ? 0 : 2;
  return PNG.sync.write(
    {
      width: raster.width,
      height: raster.height,
      data: Buffer.from(raster.data.buffer, raster.data.byteOffset, raster.data.byteLength),
    } as PNG,
    // One fixed filter (Sub) instead of pngjs's default of trying all five per row: about 4× faster to encode
    // (~4 ms instead of ~16 ms for a 512×512 slice here), for PNGs about 7 % larger; zlib's RLE strategy kept.
    { colorType, inputColorType: colorType, inputHasAlpha: false, filterType: 1 },
  );
}

/** Renders one frame of a DICOM file to PNG bytes. Throws {@link RenderError} on any failure. */
export async function renderPng(bytes: Uint8Array, opts: RenderOptions = {}): Promise<Buffer> {
  const lib = await imagingRuntime();
  const input = renderableBytes(bytes, isDeflated(bytes));
  const opened = openImage(lib, input);
  try {
    checkPixelData(opened, opened.getElements());
    checkFrameBudget(opened.getElements());
    hideAspect(opened.getElements());
    if (opened.getTransferSyntaxUid() !== DEFLATED) checkNotTruncated(input);
    const image = opened.getTransferSyntaxUid() === RLE ? decodeRle(lib, opened) : opened;
    joinFragmentsOfSingleFrame(image);
    const elements = image.getElements();
    const frame = frameIndexOf(image, opts.frameNumber);
    const grey = isGreyscale(elements);
    const result = grey ? renderGreyscale(lib, image, frame, opts) : image.render({ frame });
    return encodePng(resize(toRaster(result, grey), opts.imageHeight));
  } catch (e) {
    if (e instanceof RenderError || e instanceof BudgetError) throw e;
    throw new RenderError('unsupported-pixel-data', `Cannot render: ${message(e)}`);
  }
}
