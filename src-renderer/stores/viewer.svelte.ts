/**
 * The viewer's state: the images of one series (in instance-number order), the current image and frame,
 * the window/level, fit/zoom/pan and cine. Frames are decoded in a worker from the DICOM bytes; an image
 * whose syntax cannot be decoded here is shown from the server's PNG rendering instead (`fallback`).
 */
import type {
  Bridge,
  ImageAttributeItem,
  ImageItem,
  ImageMediaUrls,
  SeriesDetails,
} from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';
import type { DecodedImageInfo } from '../lib/viewer/decode-protocol.js';
import { DecodeError, Decoder, type RenderedFrame } from '../lib/viewer/decoder.js';
import type { ViewerContext } from '../lib/viewer/overlay.js';
import { FIT, ZOOM_STEP, pan, zoomAt, type Size, type View } from '../lib/viewer/transform.js';
import {
  WINDOW_PRESETS,
  defaultWindow,
  dragSensitivity,
  dragWindow,
  rangeWindow,
  windowBounds,
  type VoiWindow,
} from '../lib/viewer/window-level.js';

export type ViewerFrame = RenderedFrame | ImageBitmap;
/** `nopixels`: the current object has no Pixel Data (e.g. a header-only object); its attributes still show. */
export type ViewerStatus = 'idle' | 'loading' | 'ready' | 'fallback' | 'nopixels' | 'error';

const PAGE = 500;
const NO_PIXEL_DATA =
  'This object has no pixel data (no Pixel Data element, 7FE0,0010): it holds attributes only, so there is no image to show. Its attributes are under Details (I).';
const PREFETCH = 2;

function instanceOrder(a: ImageItem, b: ImageItem): number {
  const na = Number.parseFloat(a.instanceNumber);
  const nb = Number.parseFloat(b.instanceNumber);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.id - b.id;
}

export class ViewerStore {
  isOpen = $state(false);
  connectionId = $state<string | null>(null);
  seriesId = $state<number | null>(null);
  title = $state('');
  /** Patient, study and series values for the overlay (from the browser's rows). */
  context = $state.raw<ViewerContext | null>(null);
  images = $state.raw<ImageItem[]>([]);
  index = $state(0);
  frame = $state(0);
  frames = $state(1);
  info = $state.raw<DecodedImageInfo | null>(null);
  window = $state<VoiWindow | null>(null);
  view = $state<View>(FIT);
  viewport = $state<Size>({ width: 1, height: 1 });
  playing = $state(false);
  fps = $state(10);
  status = $state<ViewerStatus>('idle');
  message = $state('');
  current = $state.raw<ViewerFrame | null>(null);
  detailsOpen = $state(false);
  /** The thumbnail strip under the image (Slicebox's Display tab), shown for series of 2+ images. */
  thumbnailsOpen = $state(true);
  attributes = $state.raw<ImageAttributeItem[] | null>(null);
  attributesFor = $state<number | null>(null);
  attributesError = $state('');
  series = $state.raw<SeriesDetails | null>(null);

  image = $derived(this.images[this.index] ?? null);

  #bridge: Bridge;
  #decoder: Decoder | null = null;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #urls = new Map<number, Promise<ImageMediaUrls>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #fallback = new Set<number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #framesOf = new Map<number, number>();
  #generation = 0;
  #cine: ReturnType<typeof setInterval> | null = null;
  #wantLastFrame = false;
  #fallbackReason = '';

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
  }

  get decoder(): Decoder {
    this.#decoder ??= new Decoder();
    return this.#decoder;
  }

  /** Opens the series, at `imageId` if given (else its first image). */
  async openSeries(
    connectionId: string,
    seriesId: number,
    title: string,
    imageId?: number | null,
    context: ViewerContext | null = null,
  ): Promise<void> {
    const generation = ++this.#generation;
    this.stop();
    this.isOpen = true;
    this.connectionId = connectionId;
    this.seriesId = seriesId;
    this.title = title;
    this.context = context;
    this.images = [];
    this.index = 0;
    this.frame = 0;
    this.frames = 1;
    this.window = null;
    this.view = FIT;
    this.current = null;
    this.info = null;
    this.series = null;
    this.attributes = null;
    this.attributesFor = null;
    this.#urls.clear();
    this.#fallback.clear();
    this.#framesOf.clear();
    this.status = 'loading';
    this.message = 'Loading the series…';
    try {
      const all: ImageItem[] = [];
      for (let start = 0; ; start += PAGE) {
        const page = await this.#bridge.invoke('browse.images', {
          connectionId,
          seriesId,
          startIndex: start,
          count: PAGE,
        });
        all.push(...page.items);
        if (!page.hasMore) break;
      }
      if (generation !== this.#generation) return;
      all.sort(instanceOrder);
      this.images = all;
      const at = imageId == null ? 0 : all.findIndex((i) => i.id === imageId);
      this.index = Math.max(0, at);
      if (all.length === 0) {
        this.status = 'error';
        this.message = 'This series has no images.';
        return;
      }
      void this.#bridge
        .invoke('series.details', { connectionId, seriesId })
        .then((details) => {
          if (generation === this.#generation) this.series = details;
        })
        .catch(() => undefined);
      await this.#show();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.status = 'error';
      this.message = errorMessage(error);
    }
  }

  close(): void {
    this.#generation++;
    this.stop();
    this.isOpen = false;
    this.current = null;
  }

  dispose(): void {
    this.close();
    this.#decoder?.dispose();
    this.#decoder = null;
  }

  #urlsOf(imageId: number): Promise<ImageMediaUrls> {
    let urls = this.#urls.get(imageId);
    if (!urls) {
      urls = this.#bridge.invoke('media.imageUrls', {
        connectionId: this.connectionId ?? '',
        imageId,
      });
      urls.catch(() => this.#urls.delete(imageId));
      this.#urls.set(imageId, urls);
    }
    return urls;
  }

  /**
   * A small rendering of an image's first frame by the server (`/png?imageheight=`), for the thumbnail
   * strip; the server windows it by its own default.
   */
  async thumbnailUrl(imageId: number, height: number): Promise<string> {
    return (await this.#pngUrl(imageId, { framenumber: 1, imageheight: height })).href;
  }

  /** The server's PNG of an image with Slicebox's query parameters (`framenumber` is 1-based). */
  async #pngUrl(imageId: number, params: Record<string, number>): Promise<URL> {
    const urls = await this.#urlsOf(imageId);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off URL, not state
    const url = new URL(urls.pngUrl, location.href);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    return url;
  }

  toggleThumbnails(): void {
    this.thumbnailsOpen = !this.thumbnailsOpen;
  }

  #key(imageId: number): string {
    return `${this.connectionId}/${imageId}`;
  }

  /** Loads (decodes) the current image if needed and renders the current frame under the window. */
  async #show(): Promise<void> {
    const image = this.image;
    if (!image) return;
    const generation = this.#generation;
    try {
      if (this.#fallback.has(image.id)) {
        await this.#showPng(image.id, generation);
        return;
      }
      const urls = await this.#urlsOf(image.id);
      const info = await this.decoder.load(this.#key(image.id), urls.dicomUrl);
      if (generation !== this.#generation || this.image?.id !== image.id) return;
      this.info = info;
      this.frames = info.frames;
      this.#framesOf.set(image.id, info.frames);
      if (this.#wantLastFrame) this.frame = info.frames - 1;
      this.#wantLastFrame = false;
      this.frame = Math.min(this.frame, info.frames - 1);
      if (this.window === null && info.range) {
        this.window = defaultWindow(info.fileWindow, info.range);
      }
      const rendered = await this.decoder.render(
        this.#key(image.id),
        this.frame,
        this.window ?? undefined,
      );
      if (rendered === null || generation !== this.#generation) return;
      if (this.image?.id !== image.id) return;
      this.current = rendered;
      this.status = 'ready';
      this.message = '';
      this.#prefetch();
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof DecodeError && error.noPixelData) {
        if (this.image?.id !== image.id) return;
        // Nothing to draw, and no server rendering either: say what this is, not "could not render".
        this.current = null;
        this.info = null;
        this.frames = 1;
        this.#framesOf.set(image.id, 1);
        this.status = 'nopixels';
        this.message = NO_PIXEL_DATA;
        return;
      }
      if (error instanceof DecodeError && error.decodeFailed) {
        this.#fallback.add(image.id);
        this.#fallbackReason = error.message;
        await this.#showPng(image.id, generation);
        return;
      }
      this.status = 'error';
      this.message = errorMessage(error);
    }
  }

  /** The server's rendering: used when the transfer syntax cannot be decoded in the renderer. */
  async #showPng(imageId: number, generation: number): Promise<void> {
    const url = await this.#pngUrl(imageId, {
      framenumber: this.frame + 1,
      ...(this.window ? windowBounds(this.window) : {}),
    });
    try {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`The server could not render this image (HTTP ${res.status})`);
      const bitmap = await createImageBitmap(await res.blob());
      if (generation !== this.#generation || this.image?.id !== imageId) {
        bitmap.close();
        return;
      }
      this.current = bitmap;
      this.status = 'fallback';
      this.message = `Shown as rendered by the server: not decoded here (${this.#fallbackReason}).`;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.status = 'error';
      this.message = errorMessage(error);
    }
  }

  #prefetch(): void {
    for (let d = 1; d <= PREFETCH; d++) {
      for (const i of [this.index + d, this.index - d]) {
        const image = this.images[i];
        if (!image || this.#fallback.has(image.id)) continue;
        void this.#urlsOf(image.id)
          .then((urls) => this.decoder.load(this.#key(image.id), urls.dicomUrl))
          .then((info) => this.#framesOf.set(image.id, info.frames))
          .catch(() => undefined);
      }
    }
  }

  /** One step through the stack: frames of a multi-frame image first, then the next image. */
  step(delta: number): void {
    if (this.images.length === 0) return;
    let { index, frame } = this;
    let remaining = delta;
    while (remaining > 0) {
      if (frame < this.frames - 1) frame++;
      else if (index < this.images.length - 1) {
        index++;
        frame = 0;
      } else break;
      remaining--;
      if (index !== this.index) break;
    }
    while (remaining < 0) {
      if (frame > 0) frame--;
      else if (index > 0) {
        index--;
        const known = this.#framesOf.get(this.images[index]?.id ?? -1);
        frame = known ? known - 1 : 0;
        this.#wantLastFrame = known === undefined;
      } else break;
      remaining++;
      if (index !== this.index) break;
    }
    this.goTo(index, frame);
  }

  goTo(index: number, frame = 0): void {
    const clamped = Math.min(Math.max(0, index), this.images.length - 1);
    if (clamped === this.index && frame === this.frame) return;
    if (clamped !== this.index) {
      this.frames = this.#framesOf.get(this.images[clamped]?.id ?? -1) ?? 1;
    }
    this.index = clamped;
    this.frame = Math.min(Math.max(0, frame), Math.max(0, this.frames - 1));
    if (this.detailsOpen) void this.loadAttributes();
    void this.#show();
  }

  first(): void {
    this.goTo(0, 0);
  }

  last(): void {
    this.#wantLastFrame = true;
    this.goTo(this.images.length - 1, Number.MAX_SAFE_INTEGER);
  }

  /** The position in the whole stack, for the slider and the label. */
  get position(): string {
    const image = `Image ${this.index + 1} / ${this.images.length}`;
    return this.frames > 1 ? `${image} · Frame ${this.frame + 1} / ${this.frames}` : image;
  }

  // ── window / level ──────────────────────────────────────────────────────────
  get isGreyscale(): boolean {
    return this.info?.range !== undefined;
  }

  setWindow(window: VoiWindow): void {
    if (!this.isGreyscale && !this.#fallback.has(this.image?.id ?? -1)) return;
    this.window = window;
    void this.#show();
  }

  /** Window during a drag of (dx, dy) pixels from `start`. */
  dragTo(start: VoiWindow, dx: number, dy: number): void {
    const range = this.info?.range ?? {
      min: start.center - start.width / 2,
      max: start.center + start.width / 2,
    };
    this.setWindow(dragWindow(start, dx, dy, dragSensitivity(range)));
  }

  preset(key: string): boolean {
    const preset = WINDOW_PRESETS.find((p) => p.key === key);
    if (!preset) return false;
    this.setWindow({ center: preset.center, width: preset.width });
    return true;
  }

  /** The image's own default window (file window if usable, else min/max). */
  defaultWindow(): void {
    const info = this.info;
    if (info?.range) this.setWindow(defaultWindow(info.fileWindow, info.range));
  }

  /** Full value range. */
  fullRange(): void {
    if (this.info?.range) this.setWindow(rangeWindow(this.info.range));
  }

  // ── fit / zoom / pan ────────────────────────────────────────────────────────
  get imageSize(): Size {
    const c = this.current;
    return c ? { width: c.width, height: c.height } : { width: 1, height: 1 };
  }

  zoomBy(factor: number, anchor?: { x: number; y: number }): void {
    this.view = zoomAt(this.imageSize, this.viewport, this.view, this.view.zoom * factor, anchor);
  }

  zoomIn(): void {
    this.zoomBy(ZOOM_STEP);
  }

  zoomOut(): void {
    this.zoomBy(1 / ZOOM_STEP);
  }

  fit(): void {
    this.view = FIT;
  }

  panBy(dx: number, dy: number): void {
    this.view = pan(this.view, dx, dy);
  }

  /** R: fit, default window, first frame of the current image. */
  reset(): void {
    this.view = FIT;
    this.defaultWindow();
  }

  // ── cine ────────────────────────────────────────────────────────────────────
  play(): void {
    if (this.#cine) return;
    this.playing = true;
    this.#cine = setInterval(() => {
      const atEnd = this.index >= this.images.length - 1 && this.frame >= this.frames - 1;
      if (atEnd) this.goTo(0, 0);
      else this.step(1);
    }, 1000 / this.fps);
  }

  stop(): void {
    if (this.#cine) clearInterval(this.#cine);
    this.#cine = null;
    this.playing = false;
  }

  togglePlay(): void {
    if (this.playing) this.stop();
    else this.play();
  }

  setFps(fps: number): void {
    this.fps = Math.min(60, Math.max(1, fps));
    if (this.playing) {
      this.stop();
      this.play();
    }
  }

  // ── details ─────────────────────────────────────────────────────────────────
  toggleDetails(): void {
    this.detailsOpen = !this.detailsOpen;
    if (this.detailsOpen) void this.loadAttributes();
  }

  async loadAttributes(): Promise<void> {
    const image = this.image;
    if (!image || !this.connectionId || this.attributesFor === image.id) return;
    this.attributesFor = image.id;
    this.attributesError = '';
    try {
      const rows = await this.#bridge.invoke('images.attributes', {
        connectionId: this.connectionId,
        imageId: image.id,
      });
      if (this.attributesFor === image.id) this.attributes = rows;
    } catch (error) {
      if (this.attributesFor !== image.id) return;
      this.attributes = null;
      this.attributesError = errorMessage(error);
      this.attributesFor = null;
    }
  }
}
