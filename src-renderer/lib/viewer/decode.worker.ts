/**
 * The viewer's decoding worker: fetches an image's DICOM bytes from its media URL, decodes it with
 * dcmjs-imaging (WASM codecs: JPEG, JPEG-LS, J2K, RLE, …) and renders frames to RGBA under a window, all off
 * the UI thread. Decoded images are kept in a small LRU so scrolling back and dragging the window are cheap.
 */
import { DicomImage, NativePixelDecoder, WindowLevel } from 'dcmjs-imaging';
import wasmUrl from 'dcmjs-imaging/build/dcmjs-native-codecs.wasm?url';
import type { DecodedImageInfo, WorkerReply, WorkerRequest } from './decode-protocol.js';
import type { VoiWindow } from './window-level.js';

const MAX_IMAGES = 48;
const images = new Map<string, { image: DicomImage; info: DecodedImageInfo }>();
let ready: Promise<void> | null = null;

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

async function load(key: string, url: string): Promise<DecodedImageInfo> {
  const cached = images.get(key);
  if (cached) {
    images.delete(key);
    images.set(key, cached);
    return cached.info;
  }
  const res = await fetch(url, { credentials: 'same-origin' });
  if (!res.ok) throw Object.assign(new Error(`HTTP ${res.status}`), { fetchFailed: true });
  const buffer = await res.arrayBuffer();
  await initialize();
  const image = new DicomImage(buffer);
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
  const info: DecodedImageInfo = {
    width: image.getWidth(),
    height: image.getHeight(),
    frames: Math.max(1, image.getNumberOfFrames()),
    photometric,
    transferSyntaxUid: image.getTransferSyntaxUid(),
  };
  const sliceLocation = firstNumber(elements.SliceLocation);
  const sliceThickness = firstNumber(elements.SliceThickness);
  if (sliceLocation !== undefined) info.sliceLocation = sliceLocation;
  if (sliceThickness !== undefined) info.sliceThickness = sliceThickness;
  if (photometric.startsWith('MONOCHROME')) {
    const center = firstNumber(elements.WindowCenter);
    const width = firstNumber(elements.WindowWidth);
    if (center !== undefined && width !== undefined) info.fileWindow = { center, width };
    // Without the file's window dcmjs-imaging falls back to the smallest/largest (or min/max) values:
    // that window *is* the value range.
    delete elements.WindowCenter;
    delete elements.WindowWidth;
    delete elements.VOILUTSequence;
    const probe = image.render({ frame: 0 });
    const w = probe.windowLevel;
    if (w) {
      const half = w.getWindow() / 2;
      info.range = { min: w.getLevel() - half, max: w.getLevel() + half };
    }
  } else {
    image.render({ frame: 0 }); // decode once now, so a failure shows at load time
  }
  images.set(key, { image, info });
  while (images.size > MAX_IMAGES) {
    const oldest = images.keys().next().value;
    if (oldest === undefined) break;
    images.delete(oldest);
  }
  return info;
}

function render(key: string, frame: number, window?: VoiWindow) {
  const entry = images.get(key);
  if (!entry) throw new Error('Image not loaded');
  const frameIndex = Math.min(Math.max(0, frame), entry.info.frames - 1);
  const result = entry.image.render({
    frame: frameIndex,
    windowLevel:
      window && entry.info.photometric.startsWith('MONOCHROME')
        ? new WindowLevel(Math.max(1, window.width), window.center)
        : undefined,
  });
  return result;
}

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const message = event.data;
  if (message.type === 'forget') {
    images.delete(message.key);
    return;
  }
  try {
    if (message.type === 'load') {
      post({ type: 'loaded', id: message.id, info: await load(message.key, message.url) });
    } else {
      const result = render(message.key, message.frame, message.window);
      post(
        {
          type: 'rendered',
          id: message.id,
          width: result.width,
          height: result.height,
          pixels: result.pixels,
        },
        [result.pixels],
      );
    }
  } catch (error) {
    const fetchFailed = (error as { fetchFailed?: boolean }).fetchFailed === true;
    const noPixelData = (error as { noPixelData?: boolean }).noPixelData === true;
    post({
      type: 'error',
      id: message.id,
      message: (error as Error)?.message ?? String(error),
      decodeFailed: !fetchFailed && !noPixelData,
      ...(noPixelData ? { noPixelData } : {}),
    });
  }
};
