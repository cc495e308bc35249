/**
 * The viewer's decoding worker: parses an image's DICOM bytes (fetched by the viewer), decodes frames with
 * dcmjs-imaging (WASM codecs: JPEG, JPEG-LS, J2K, RLE, …) and windows them to RGBA bitmaps, all off the UI
 * thread; it also answers ROI statistics and pixel probes from the decoded values (stored values, then Rescale
 * Slope/Intercept), never from the 8-bit display. Parsed images are kept in a small LRU.
 *
 * Geometry: dcmjs-imaging resamples non-square pixels itself (bilinear) and knows only top-level Pixel Spacing.
 * The viewer draws the pixel grid as it is and scales it on the canvas from each frame's own geometry (functional
 * groups included), so the spacing attributes are taken out of what dcmjs-imaging sees, after they were read.
 */
import { DicomImage, NativePixelDecoder, WindowLevel } from 'dcmjs-imaging';
import wasmUrl from 'dcmjs-imaging/build/dcmjs-native-codecs.wasm?url';
import type { DecodedImageInfo, WorkerReply, WorkerRequest } from './decode-protocol.js';
import { frameAttribute, frameRescale, imageGeometries } from './geometry.js';
import { probeValue, roiStats } from './measure.js';
import { storedValues } from './stored-values.js';
import {
  greyToRgba,
  modalityRange,
  nativeLayout,
  nativeValues,
  type NativeLayout,
} from './grey-render.js';
import { defaultWindow, type ValueRange, type VoiWindow } from './window-level.js';

const MAX_IMAGES = 64;
interface Entry {
  image: DicomImage;
  info: DecodedImageInfo;
  /** Frames whose pixels were decoded at least once (the next render of them costs no decode). */
  decoded: Set<number>;
  /** Uncompressed greyscale: read and windowed here, without dcmjs-imaging's pipeline. */
  native?: NativeLayout;
}
const images = new Map<string, Entry>();
let ready: Promise<void> | null = null;

/** Syntaxes dcmjs-imaging reads without its WASM codecs (so the first image need not wait for them). */
const NATIVE = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);

function initialize(): Promise<void> {
  ready ??= NativePixelDecoder.initializeAsync({
    webAssemblyModulePathOrUrl: new URL(wasmUrl, self.location.href).href,
  });
  return ready;
}

function post(reply: WorkerReply, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(reply, transfer);
}

function firstNumber(value: unknown): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const n = typeof v === 'string' ? Number.parseFloat(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) ? n : undefined;
}

const SPACING = [
  'PixelSpacing',
  'ImagerPixelSpacing',
  'NominalScannedPixelSpacing',
  'PixelAspectRatio',
];

async function load(key: string, bytes: ArrayBuffer): Promise<DecodedImageInfo> {
  const cached = images.get(key);
  if (cached) {
    images.delete(key);
    images.set(key, cached);
    return cached.info;
  }
  const started = performance.now();
  const image = new DicomImage(bytes);
  // The codecs (a 4 MB WebAssembly module) are compiled when an encapsulated syntax first needs them.
  if (!NATIVE.has(image.getTransferSyntaxUid())) await initialize();
  const elements = image.getElements() as Record<string, unknown>;
  // A header-only object (SR, a CR whose pixels were never stored, ...): say so; no decoder can help.
  if (
    elements.PixelData === undefined &&
    elements.FloatPixelData === undefined &&
    elements.DoubleFloatPixelData === undefined
  ) {
    throw Object.assign(new Error('The object has no pixel data'), { noPixelData: true });
  }
  const photometric = String(image.getElement('PhotometricInterpretation') ?? '').trim();
  const frames = Math.max(1, image.getNumberOfFrames());
  const greyscale = photometric.startsWith('MONOCHROME');
  const info: DecodedImageInfo = {
    width: image.getWidth(),
    height: image.getHeight(),
    frames,
    photometric,
    greyscale,
    transferSyntaxUid: image.getTransferSyntaxUid(),
    sopInstanceUid: String(elements.SOPInstanceUID ?? ''),
    geometry: imageGeometries(elements, frames),
    rescale: frameRescale(elements, 0),
    parseMs: 0,
  };
  const sliceLocation = firstNumber(elements.SliceLocation);
  const sliceThickness = firstNumber(info.geometry[0]?.sliceThickness ?? elements.SliceThickness);
  if (sliceLocation !== undefined) info.sliceLocation = sliceLocation;
  if (sliceThickness !== undefined) info.sliceThickness = sliceThickness;
  for (const name of SPACING) delete elements[name];
  if (greyscale) {
    const center = firstNumber(frameAttribute(elements, 0, 'FrameVOILUTSequence', 'WindowCenter'));
    const width = firstNumber(frameAttribute(elements, 0, 'FrameVOILUTSequence', 'WindowWidth'));
    if (center !== undefined && width !== undefined) info.fileWindow = { center, width };
    // The viewer always gives the window itself; enhanced objects keep their rescale in a functional group,
    // which dcmjs-imaging does not read: put the first frame's at the top, so windows are in modality units.
    delete elements.WindowCenter;
    delete elements.WindowWidth;
    delete elements.VOILUTSequence;
    elements.RescaleSlope = info.rescale.slope;
    elements.RescaleIntercept = info.rescale.intercept;
  }
  info.parseMs = performance.now() - started;
  const native = greyscale ? nativeLayout(elements, info.transferSyntaxUid) : undefined;
  images.set(key, { image, info, decoded: new Set(), ...(native ? { native } : {}) });
  while (images.size > MAX_IMAGES) {
    const oldest = images.keys().next().value;
    if (oldest === undefined) break;
    images.delete(oldest);
  }
  return info;
}

function entryOf(key: string): Entry {
  const entry = images.get(key);
  // Pushed out of the LRU since it was loaded: the viewer loads it again.
  if (!entry) throw Object.assign(new Error('Image not loaded'), { notLoaded: true });
  return entry;
}

function frameOf(entry: Entry, frame: number): number {
  return Math.min(Math.max(0, frame), entry.info.frames - 1);
}

/** The stored values of a frame: straight from the Pixel Data when uncompressed, else as decoded. */
function valuesOf(entry: Entry, frame: number): ArrayLike<number> {
  return entry.native ? nativeValues(entry.native, frame) : storedValues(entry.image, frame);
}

function rescaleOf(entry: Entry, frame: number) {
  return frameRescale(entry.image.getElements() as Record<string, unknown>, frame);
}

/** Modality value range of a frame (stored values after rescale). */
function valueRange(entry: Entry, frame: number): ValueRange {
  const { slope, intercept } = rescaleOf(entry, frame);
  return modalityRange(
    valuesOf(entry, frame),
    slope,
    intercept,
    entry.info.width * entry.info.height,
  );
}

async function render(
  key: string,
  frame: number,
  window?: VoiWindow,
): Promise<Extract<WorkerReply, { type: 'rendered' }>> {
  const entry = entryOf(key);
  const f = frameOf(entry, frame);
  // Timings: `decode` is getting the frame's stored values (reading them, or dcmjs-imaging's first render of a
  // frame, which decodes and windows at once); `render` is windowing them to an RGBA bitmap.
  const t0 = performance.now();
  let range: ValueRange | undefined;
  let used = window;
  if (entry.info.greyscale && !window) {
    range = valueRange(entry, f);
    used = defaultWindow(entry.info.fileWindow, range);
  }
  let pixels: Uint8ClampedArray<ArrayBuffer>;
  let width = entry.info.width;
  let height = entry.info.height;
  let decodeMs: number;
  let t1: number;
  if (entry.native && used) {
    const values = nativeValues(entry.native, f);
    t1 = performance.now();
    decodeMs = t1 - t0;
    const { slope, intercept } = rescaleOf(entry, f);
    const invert = entry.info.photometric === 'MONOCHROME1';
    pixels = greyToRgba(values, entry.native, used, slope, intercept, invert);
  } else {
    const firstDecode = !entry.decoded.has(f);
    const result = entry.image.render({
      frame: f,
      windowLevel:
        used && entry.info.greyscale
          ? new WindowLevel(Math.max(1, used.width), used.center)
          : undefined,
    });
    entry.decoded.add(f);
    pixels = new Uint8ClampedArray(result.pixels);
    width = result.width;
    height = result.height;
    t1 = performance.now();
    decodeMs = firstDecode ? t1 - t0 : 0;
    if (!firstDecode) t1 = t0;
  }
  const bitmap = await createImageBitmap(new ImageData(pixels, width, height));
  const renderMs = performance.now() - t1;
  return {
    type: 'rendered',
    id: 0,
    width,
    height,
    bitmap,
    ...(used && entry.info.greyscale ? { window: used } : {}),
    ...(range ? { range } : {}),
    decodeMs,
    renderMs,
  };
}

function stats(
  key: string,
  frame: number,
  shape: Extract<WorkerRequest, { type: 'stats' }>['shape'],
) {
  const entry = entryOf(key);
  if (!entry.info.greyscale) return null;
  const f = frameOf(entry, frame);
  const rescale = rescaleOf(entry, f);
  const values = valuesOf(entry, f);
  return (
    roiStats(
      values,
      entry.info.width,
      entry.info.height,
      shape,
      rescale.slope,
      rescale.intercept,
    ) ?? null
  );
}

function probe(
  key: string,
  frame: number,
  point: { x: number; y: number },
): Extract<WorkerReply, { type: 'probed' }> {
  const entry = entryOf(key);
  const f = frameOf(entry, frame);
  const { width, height } = entry.info;
  const inside = point.x >= 0 && point.y >= 0 && point.x < width && point.y < height;
  if (!inside) return { type: 'probed', id: 0, value: null };
  if (!entry.info.greyscale) {
    const rgba = new Uint8Array(entry.image.render({ frame: f }).pixels);
    const i = (Math.floor(point.y) * width + Math.floor(point.x)) * 4;
    return { type: 'probed', id: 0, value: null, rgb: [rgba[i]!, rgba[i + 1]!, rgba[i + 2]!] };
  }
  const rescale = rescaleOf(entry, f);
  const value = probeValue(
    valuesOf(entry, f),
    width,
    height,
    point,
    rescale.slope,
    rescale.intercept,
  );
  return { type: 'probed', id: 0, value: value ?? null };
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === 'forget') {
    images.delete(message.key);
    return;
  }
  try {
    if (message.type === 'load') {
      post({ type: 'loaded', id: message.id, info: await load(message.key, message.bytes) });
    } else if (message.type === 'render') {
      const reply = await render(message.key, message.frame, message.window);
      post({ ...reply, id: message.id }, [reply.bitmap]);
    } else if (message.type === 'stats') {
      post({
        type: 'stats',
        id: message.id,
        stats: stats(message.key, message.frame, message.shape),
      });
    } else {
      post({ ...probe(message.key, message.frame, message.point), id: message.id });
    }
  } catch (error) {
    const noPixelData = (error as { noPixelData?: boolean }).noPixelData === true;
    const notLoaded = (error as { notLoaded?: boolean }).notLoaded === true;
    post({
      type: 'error',
      id: message.id,
      message: (error as Error)?.message ?? String(error),
      decodeFailed:
        message.type !== 'stats' && message.type !== 'probe' && !noPixelData && !notLoaded,
      ...(noPixelData ? { noPixelData } : {}),
      ...(notLoaded ? { notLoaded } : {}),
    });
  }
};
