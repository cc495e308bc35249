/**
 * One viewport of the viewer: one series (its images in instance-number order), the current image and frame, the
 * window, fit/zoom/pan, and the frame on screen. Frames are decoded in the shared worker from the DICOM bytes and
 * kept for a while in the shared frame cache; the slices ahead of the user are fetched, parsed and rendered before
 * they are asked for. An image whose syntax cannot be decoded here is shown from the server's PNG rendering
 * (`fallback`).
 */
import type {
  Bridge,
  ImageItem,
  ImageMediaUrls,
  ImagePoint,
  MeasurementDraft,
  MeasurementKind,
  MeasurementValue,
  SeriesDetails,
} from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';
import type { DecodedImageInfo } from '../lib/viewer/decode-protocol.js';
import { DecodeError, type Decoder, type RenderedFrame } from '../lib/viewer/decoder.js';
import { frameKey, type FrameCache } from '../lib/viewer/frame-cache.js';
import {
  dot,
  frameCentre,
  sliceNormal,
  spacingNote,
  type FrameGeometry,
  type Vec3,
} from '../lib/viewer/geometry.js';
import { geometricValues, statsValues } from '../lib/viewer/measure.js';
import type { ViewerContext } from '../lib/viewer/overlay.js';
import { syncStep, type KnownPosition } from '../lib/viewer/slice-sync.js';
import {
  FIT,
  ZOOM_STEP,
  pan,
  pixelShape,
  placement,
  zoomAt,
  type PixelShape,
  type Placement,
  type Size,
  type View,
} from '../lib/viewer/transform.js';
import {
  defaultWindow,
  dragSensitivity,
  dragWindow,
  rangeWindow,
  windowBounds,
  type ValueRange,
  type VoiWindow,
} from '../lib/viewer/window-level.js';

export type ViewerFrame = RenderedFrame | ImageBitmap;
/** `nopixels`: the current object has no Pixel Data (e.g. a header-only object); its attributes still show. */
export type ViewerStatus =
  'empty' | 'idle' | 'loading' | 'ready' | 'fallback' | 'nopixels' | 'error';

const PAGE = 500;
const NO_PIXEL_DATA =
  'This object has no pixel data (no Pixel Data element, 7FE0,0010): it holds attributes only, so there is no image to show. Its attributes are under Details (I).';
/** Slices rendered ahead in the direction of scrolling, and behind it. */
const AHEAD = 12;
const BEHIND = 2;
/** Images fetched at once ahead of the user. */
const FETCHES = 4;

function instanceOrder(a: ImageItem, b: ImageItem): number {
  const na = Number.parseFloat(a.instanceNumber);
  const nb = Number.parseFloat(b.instanceNumber);
  if (Number.isFinite(na) && Number.isFinite(nb) && na !== nb) return na - nb;
  return a.id - b.id;
}

/** What the viewports share: the bridge, the worker, the cache of rendered frames, and the viewer's hooks. */
export interface ViewportHost {
  bridge: Bridge;
  decoder: () => Decoder;
  frames: FrameCache;
  /** The viewport went to another image or frame (for the details panel). */
  went: (viewport: Viewport) => void;
  /** The user moved the viewport to another slice (not synchronization), and that slice is on screen now. */
  moved: (viewport: Viewport) => void;
}

/** Where an image is, once learnt: per frame geometry and its size. */
interface KnownImage {
  geometry: FrameGeometry[];
  width: number;
  height: number;
}

export class Viewport {
  connectionId = $state<string | null>(null);
  seriesId = $state<number | null>(null);
  title = $state('');
  context = $state.raw<ViewerContext | null>(null);
  images = $state.raw<ImageItem[]>([]);
  index = $state(0);
  frame = $state(0);
  frames = $state(1);
  info = $state.raw<DecodedImageInfo | null>(null);
  window = $state<VoiWindow | null>(null);
  /** Modality value range of the first frame shown (window drag sensitivity, full range). */
  range = $state.raw<ValueRange | null>(null);
  view = $state<View>(FIT);
  size = $state<Size>({ width: 1, height: 1 });
  status = $state<ViewerStatus>('empty');
  message = $state('');
  current = $state.raw<ViewerFrame | null>(null);
  series = $state.raw<SeriesDetails | null>(null);

  /** The image and frame on screen: the current ones, or the last on the way to them while scrolling. */
  shownIndex = $state(0);
  shownFrame = $state(0);

  image = $derived(this.images[this.index] ?? null);
  shownImage = $derived(this.images[this.shownIndex] ?? null);
  /** The geometry of the frame on screen (after the image was decoded here). */
  geometry = $derived.by((): FrameGeometry | null => {
    if (this.status === 'fallback') return null;
    const g = this.info?.geometry;
    return g ? (g[this.shownFrame] ?? g[0] ?? null) : null;
  });
  /** The shape of a pixel on screen, from the frame's spacing. */
  pixel = $derived.by((): PixelShape => {
    const g = this.geometry;
    return g ? pixelShape(g.columnSpacing, g.rowSpacing) : { x: 1, y: 1 };
  });
  /** Where the frame is drawn in the viewport. */
  placement = $derived.by((): Placement =>
    placement(this.imageSize, this.size, this.view, this.pixel),
  );

  #host: ViewportHost;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #urls = new Map<number, Promise<ImageMediaUrls>>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #fallback = new Set<number>();
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #known = new Map<number, KnownImage>();
  /** Images being fetched and parsed, so one image is asked for once. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #loading = new Map<number, Promise<DecodedImageInfo>>();
  #aheadFetches = 0;
  /** Frames being fetched or rendered ahead of the user (by frame-cache key): show() waits for them, not again. */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #ahead = new Map<string, Promise<RenderedFrame | null>>();
  /** Images the user waits for (their loads go before the work ahead). */
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, not state the UI reads
  #urgent = new Set<number>();
  #generation = 0;
  #wantLastFrame = false;
  #fallbackReason = '';
  /** Each show() is numbered; the number of the one whose frame is on screen. */
  #requestSeq = 0;
  #paintedSeq = 0;
  #direction = 1;
  #syncing = 0;
  /** The user moved to the slice being shown (not a synchronization): tell the viewer once it is on screen. */
  #userMoved = false;
  /** The latest synchronization asked for: an older one still searching gives up. */
  #syncRun = 0;

  constructor(
    readonly slot: number,
    host: ViewportHost,
  ) {
    this.#host = host;
  }

  get isEmpty(): boolean {
    return this.seriesId === null;
  }

  get lane(): string {
    return `viewport-${this.slot}`;
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
    this.connectionId = connectionId;
    this.seriesId = seriesId;
    this.title = title;
    this.context = context;
    this.images = [];
    this.index = 0;
    this.frame = 0;
    this.shownIndex = 0;
    this.shownFrame = 0;
    this.#paintedSeq = this.#requestSeq;
    this.frames = 1;
    this.window = null;
    this.range = null;
    this.view = FIT;
    this.current = null;
    this.info = null;
    this.series = null;
    this.#urls.clear();
    this.#fallback.clear();
    this.#known.clear();
    this.#loading.clear();
    this.#urgent.clear();
    this.status = 'loading';
    this.message = 'Loading the series…';
    try {
      const all: ImageItem[] = [];
      for (let start = 0; ; start += PAGE) {
        const page = await this.#host.bridge.invoke('browse.images', {
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
      void this.#host.bridge
        .invoke('series.details', { connectionId, seriesId })
        .then((details) => {
          if (generation === this.#generation) this.series = details;
        })
        .catch(() => undefined);
      await this.show();
    } catch (error) {
      if (generation !== this.#generation) return;
      this.status = 'error';
      this.message = errorMessage(error);
    }
  }

  /** Empties the viewport. */
  clear(): void {
    this.#generation++;
    this.connectionId = null;
    this.seriesId = null;
    this.title = '';
    this.context = null;
    this.images = [];
    this.current = null;
    this.info = null;
    this.status = 'empty';
    this.message = '';
  }

  /** Stops work in flight (the viewer closed). */
  detach(): void {
    this.#generation++;
    this.current = null;
  }

  #urlsOf(imageId: number): Promise<ImageMediaUrls> {
    let urls = this.#urls.get(imageId);
    if (!urls) {
      urls = this.#host.bridge.invoke('media.imageUrls', {
        connectionId: this.connectionId ?? '',
        imageId,
      });
      urls.catch(() => this.#urls.delete(imageId));
      this.#urls.set(imageId, urls);
    }
    return urls;
  }

  /** A small rendering of an image's first frame by the server (`/png?imageheight=`), for thumbnails. */
  async thumbnailUrl(imageId: number, height: number): Promise<string> {
    return (await this.#pngUrl(imageId, { framenumber: 1, imageheight: height })).href;
  }

  async #pngUrl(imageId: number, params: Record<string, number>): Promise<URL> {
    const urls = await this.#urlsOf(imageId);
    // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off URL, not state
    const url = new URL(urls.pngUrl, location.href);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, String(value));
    return url;
  }

  /** The decoder's key of an image of this viewport. */
  keyOf(imageId: number): string {
    return `${this.connectionId}/${imageId}`;
  }

  /** Fetches an image's bytes and has the worker parse them (once, however many ask). */
  #load(imageId: number, priority: 'now' | 'ahead'): Promise<DecodedImageInfo> {
    if (priority === 'now') {
      this.#urgent.add(imageId);
      this.#host.decoder().promote(this.keyOf(imageId));
    }
    let loading = this.#loading.get(imageId);
    if (!loading) {
      loading = (async () => {
        const urls = await this.#urlsOf(imageId);
        // What the user waits for goes before what is fetched ahead (the browser queues requests per host).
        // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a one-off URL, not state
        const res = await fetch(new URL(urls.dicomUrl, location.href), {
          credentials: 'same-origin',
          priority: this.#urgent.has(imageId) ? 'high' : 'low',
        });
        if (!res.ok) {
          const text = (await res.text().catch(() => '')).trim();
          throw new Error(text || `The image could not be fetched (HTTP ${res.status})`);
        }
        const bytes = await res.arrayBuffer();
        // Asked for by the user meanwhile: it goes before the work ahead.
        const now = this.#urgent.has(imageId) ? 'now' : priority;
        const info = await this.#host.decoder().load(this.keyOf(imageId), bytes, now);
        this.#known.set(imageId, {
          geometry: info.geometry,
          width: info.width,
          height: info.height,
        });
        return info;
      })();
      this.#loading.set(imageId, loading);
      // Loaded images stay in the worker until its LRU lets them go; a failure may be tried again.
      loading.catch(() => this.#loading.delete(imageId));
      void loading.finally(() => this.#urgent.delete(imageId)).catch(() => undefined);
    }
    return loading;
  }

  /** Puts a rendered frame on screen: the image, frame and information the overlay and the tools describe. */
  #display(
    frame: ViewerFrame,
    info: DecodedImageInfo | null,
    index: number,
    at: number,
    seq: number,
  ) {
    this.current = frame;
    this.info = info;
    this.shownIndex = index;
    this.shownFrame = at;
    this.#paintedSeq = seq;
  }

  /**
   * Loads (decodes) the current image if needed and shows the current frame under the window. When the user has
   * moved on meanwhile (scrolling faster than frames decode), the frame still goes on screen if nothing newer
   * did, so the image follows the scrolling instead of waiting for it to stop.
   */
  async show(): Promise<void> {
    const image = this.image;
    if (!image) return;
    const generation = this.#generation;
    const seq = ++this.#requestSeq;
    const index = this.index;
    try {
      if (this.#fallback.has(image.id)) {
        await this.#showPng(image.id, generation, seq);
        return;
      }
      let info = await this.#load(image.id, 'now');
      if (generation !== this.#generation) return;
      const isTarget = (f: number) => this.image?.id === image.id && this.frame === f;
      let frame = this.frame;
      if (this.image?.id === image.id) {
        this.frames = info.frames;
        if (this.#wantLastFrame) this.frame = info.frames - 1;
        this.#wantLastFrame = false;
        this.frame = Math.min(this.frame, info.frames - 1);
        frame = this.frame;
      } else if (seq <= this.#paintedSeq) return;
      const window = this.window;
      const key = this.keyOf(image.id);
      const cached = window ? this.#host.frames.get(frameKey(key, frame, window)) : undefined;
      let rendered: RenderedFrame | null | undefined = cached;
      const coming = window && !cached ? this.#ahead.get(frameKey(key, frame, window)) : undefined;
      // Being rendered ahead: that render, not a second one.
      if (coming) {
        this.#host.decoder().promote(key);
        rendered = (await coming.catch(() => null)) ?? undefined;
      }
      if (generation !== this.#generation) return;
      if (!rendered) {
        try {
          rendered = await this.#host.decoder().render(key, frame, window ?? undefined, this.lane);
        } catch (error) {
          if (!(error instanceof DecodeError && error.notLoaded)) throw error;
          // The worker let the image go since it was loaded: load it again, then render.
          this.#loading.delete(image.id);
          info = await this.#load(image.id, 'now');
          rendered = await this.#host.decoder().render(key, frame, window ?? undefined, this.lane);
        }
      }
      if (rendered === null || generation !== this.#generation) return;
      if (rendered.window) this.#host.frames.set(frameKey(key, frame, rendered.window), rendered);
      if (!isTarget(frame)) {
        // On the way to the target: show it unless something newer is on screen (a stale window is not shown).
        if (seq > this.#paintedSeq && this.window === window && window !== null) {
          this.#display(rendered, info, index, frame, seq);
        }
        return;
      }
      if (rendered.window && this.window === null) this.window = rendered.window;
      if (rendered.range && this.range === null) this.range = rendered.range;
      this.#display(rendered, info, index, frame, seq);
      this.status = 'ready';
      this.message = '';
      if (this.#userMoved) {
        this.#userMoved = false;
        this.#host.moved(this);
      }
      this.#prefetch(generation);
    } catch (error) {
      if (generation !== this.#generation) return;
      if (error instanceof DecodeError && error.noPixelData) {
        if (this.image?.id !== image.id) return;
        // Nothing to draw, and no server rendering either: say what this is, not "could not render".
        this.current = null;
        this.info = null;
        this.shownIndex = this.index;
        this.shownFrame = 0;
        this.#paintedSeq = seq;
        this.frames = 1;
        this.status = 'nopixels';
        this.message = NO_PIXEL_DATA;
        return;
      }
      if (error instanceof DecodeError && error.decodeFailed) {
        this.#fallback.add(image.id);
        this.#fallbackReason = error.message;
        await this.#showPng(image.id, generation, seq);
        return;
      }
      if (this.image?.id !== image.id) return;
      this.status = 'error';
      this.message = errorMessage(error);
    }
  }

  /** The server's rendering: used when the transfer syntax cannot be decoded in the renderer. */
  async #showPng(imageId: number, generation: number, seq: number): Promise<void> {
    const index = this.index;
    const frame = this.frame;
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
      this.#display(bitmap, null, index, frame, seq);
      this.status = 'fallback';
      this.message = `Shown as rendered by the server: not decoded here (${this.#fallbackReason}).`;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.status = 'error';
      this.message = errorMessage(error);
    }
  }

  /** The stack's positions ahead in the direction of scrolling (then a few behind), nearest first. */
  #aheadPositions(): { index: number; frame: number }[] {
    const out: { index: number; frame: number }[] = [];
    const d = this.#direction;
    if (this.frames > 1) {
      for (let k = 1; k <= AHEAD; k++) {
        const f = this.frame + d * k;
        if (f >= 0 && f < this.frames) out.push({ index: this.index, frame: f });
      }
      return out;
    }
    for (let k = 1; k <= AHEAD; k++) out.push({ index: this.index + d * k, frame: 0 });
    for (let k = 1; k <= BEHIND; k++) out.push({ index: this.index - d * k, frame: 0 });
    return out.filter((p) => p.index >= 0 && p.index < this.images.length);
  }

  /** Fetches, parses and renders the next slices under the current window, so they show at once. */
  #prefetch(generation: number): void {
    const window = this.window;
    if (!window) return;
    for (const { index, frame } of this.#aheadPositions()) {
      const image = this.images[index];
      if (!image || this.#fallback.has(image.id)) continue;
      const key = this.keyOf(image.id);
      const cacheKey = frameKey(key, frame, window);
      // Rendered, or on its way: nothing more to ask (each slice is asked for once, not once per step).
      if (this.#host.frames.has(cacheKey) || this.#ahead.has(cacheKey)) continue;
      const loaded = this.#loading.has(image.id);
      if (!loaded && this.#aheadFetches >= FETCHES) continue;
      if (!loaded) this.#aheadFetches++;
      const coming = this.#load(image.id, 'ahead')
        .finally(() => {
          if (!loaded) this.#aheadFetches--;
        })
        .then(async () => {
          if (generation !== this.#generation || this.window !== window) return null;
          const done = this.#host.frames.get(cacheKey);
          if (done) return done;
          // The user has reached it meanwhile: it goes before the work ahead.
          const reached = this.image?.id === image.id && this.frame === frame;
          const rendered = await this.#host
            .decoder()
            .prerender(key, frame, window, reached ? 'now' : 'ahead');
          if (rendered && generation === this.#generation)
            this.#host.frames.set(cacheKey, rendered);
          return rendered;
        })
        .finally(() => this.#ahead.delete(cacheKey));
      this.#ahead.set(cacheKey, coming);
      coming.catch(() => undefined);
    }
  }

  // ── moving through the stack ──────────────────────────────────────────────────

  /** Frames of the image at `index`, when known (1 until it was loaded). */
  #framesAt(index: number): number {
    if (index === this.index) return this.frames;
    return this.#known.get(this.images[index]?.id ?? -1)?.geometry.length ?? 1;
  }

  /**
   * `delta` steps through the stack: the frames of a multi-frame image, then on to the next image (PageDown:
   * ten). Going back into an image whose frame count is not known yet lands on its last frame once it is loaded.
   */
  step(delta: number): void {
    if (this.images.length === 0) return;
    let { index, frame } = this;
    let remaining = delta;
    this.#wantLastFrame = false;
    while (remaining > 0) {
      if (frame < this.#framesAt(index) - 1) frame++;
      else if (index < this.images.length - 1) {
        index++;
        frame = 0;
      } else break;
      remaining--;
    }
    while (remaining < 0) {
      if (frame > 0) frame--;
      else if (index > 0) {
        index--;
        const known = this.#known.get(this.images[index]?.id ?? -1)?.geometry.length;
        frame = known ? known - 1 : 0;
        this.#wantLastFrame = known === undefined && remaining === -1;
      } else break;
      remaining++;
    }
    this.goTo(index, frame);
  }

  goTo(index: number, frame = 0): void {
    const clamped = Math.min(Math.max(0, index), this.images.length - 1);
    if (clamped === this.index && frame === this.frame) return;
    const forward = clamped > this.index || (clamped === this.index && frame > this.frame);
    const direction = forward ? 1 : -1;
    if (clamped !== this.index) {
      this.frames = this.#known.get(this.images[clamped]?.id ?? -1)?.geometry.length ?? 1;
      // Scrolling on keeps the work ahead; a jump or a turn makes it useless.
      if (Math.abs(clamped - this.index) > 2 || direction !== this.#direction) {
        this.#host.decoder().cancelAhead();
      }
    }
    this.#direction = direction;
    this.index = clamped;
    this.frame = Math.min(Math.max(0, frame), Math.max(0, this.frames - 1));
    this.#userMoved = this.#syncing === 0;
    void this.show();
    this.#prefetch(this.#generation);
    this.#host.went(this);
  }

  first(): void {
    this.goTo(0, 0);
  }

  last(): void {
    this.#wantLastFrame = true;
    this.goTo(this.images.length - 1, Number.MAX_SAFE_INTEGER);
  }

  /** Where the frame on screen is in the stack (the overlay's first line). */
  get shownPosition(): string {
    const frames = this.info?.frames ?? 1;
    const image = `Image ${this.shownIndex + 1} / ${this.images.length}`;
    return frames > 1 ? `${image} · Frame ${this.shownFrame + 1} / ${frames}` : image;
  }

  /** The position in the whole stack, for the slider and the label. */
  get position(): string {
    const image = `Image ${this.index + 1} / ${this.images.length}`;
    return this.frames > 1 ? `${image} · Frame ${this.frame + 1} / ${this.frames}` : image;
  }

  // ── synchronized scrolling ────────────────────────────────────────────────────

  /** The Frame of Reference UID of the images shown, once one was decoded. */
  get frameOfReference(): string | undefined {
    return this.geometry?.frameOfReferenceUid;
  }

  /** The patient point at the centre of the frame shown, if its plane is known. */
  get centre(): Vec3 | undefined {
    const g = this.geometry;
    const info = this.info;
    return g && info ? frameCentre(g, info.width, info.height) : undefined;
  }

  /** A series of one multi-frame image scrolls through its frames; otherwise through its images. */
  #stackLength(): number {
    return this.images.length === 1 ? this.frames : this.images.length;
  }

  #stackAt(i: number): { index: number; frame: number } {
    return this.images.length === 1 ? { index: 0, frame: i } : { index: i, frame: 0 };
  }

  /** Where stack position `i` lies along `normal` (mm), loading its image when not known yet. */
  async #along(i: number, normal: Vec3): Promise<number | undefined> {
    const at = this.#stackAt(i);
    const image = this.images[at.index];
    if (!image) return undefined;
    let known = this.#known.get(image.id);
    if (!known) {
      await this.#load(image.id, 'now');
      known = this.#known.get(image.id);
    }
    const g = known?.geometry[at.frame] ?? known?.geometry[0];
    const centre = g && known ? frameCentre(g, known.width, known.height) : undefined;
    return centre ? dot(normal, centre) : undefined;
  }

  /**
   * Moves to the slice nearest to `target` (a patient point) along this series' slice normal, when this viewport
   * shows images of `frameOfReference`. Does not tell the other viewports (no echo).
   */
  async syncTo(target: Vec3, frameOfReference: string): Promise<void> {
    if (this.frameOfReference !== frameOfReference || this.status !== 'ready') return;
    const normal = this.geometry ? sliceNormal(this.geometry) : undefined;
    if (!normal) return;
    const generation = this.#generation;
    const run = ++this.#syncRun;
    const stale = () => generation !== this.#generation || run !== this.#syncRun;
    const want = dot(normal, target);
    const count = this.#stackLength();
    const known: KnownPosition[] = [];
    for (let i = 0; i < count; i++) {
      const at = this.#stackAt(i);
      const k = this.#known.get(this.images[at.index]?.id ?? -1);
      const g = k?.geometry[at.frame];
      const c = g && k ? frameCentre(g, k.width, k.height) : undefined;
      if (c) known.push({ index: i, along: dot(normal, c) });
    }
    for (let probes = 0; ; probes++) {
      const step = syncStep(known, count, want, probes);
      if ('done' in step) {
        if (stale()) return;
        const at = this.#stackAt(step.done);
        this.#syncing++;
        try {
          this.goTo(at.index, at.frame);
        } finally {
          this.#syncing--;
        }
        return;
      }
      const along = await this.#along(step.probe, normal).catch(() => undefined);
      if (stale()) return;
      // A slice without a position cannot be placed: stop at the nearest known.
      if (along === undefined) {
        known.push({ index: step.probe, along: Number.NaN });
        const usable = known.filter((k) => Number.isFinite(k.along));
        const best = syncStep(usable, count, want, Number.MAX_SAFE_INTEGER);
        if ('done' in best) {
          const at = this.#stackAt(best.done);
          this.#syncing++;
          try {
            this.goTo(at.index, at.frame);
          } finally {
            this.#syncing--;
          }
        }
        return;
      }
      known.push({ index: step.probe, along });
    }
  }

  // ── measurements ────────────────────────────────────────────────────────────

  /** Whether measurements can be made here: a frame decoded in this window (not the server's PNG). */
  get canMeasure(): boolean {
    return this.status === 'ready' && this.info !== null && this.geometry !== null;
  }

  /**
   * The figures of a measurement on the frame on screen: lengths, angles and areas from the geometry; ROI
   * statistics and probe values from the decoded values in the worker.
   */
  async measure(
    kind: MeasurementKind,
    points: ImagePoint[],
  ): Promise<{ values: MeasurementValue[]; note?: string }> {
    const image = this.shownImage;
    const frame = this.shownFrame;
    const geometry = this.geometry;
    const info = this.info;
    if (!image || !geometry || !info) return { values: [] };
    const values = geometricValues(kind, points, geometry);
    const key = this.keyOf(image.id);
    const unit = info.rescale.unit;
    let extra: string | undefined;
    if ((kind === 'ellipse' || kind === 'rectangle') && info.greyscale) {
      const stats = await this.#host
        .decoder()
        .stats(key, frame, { kind, points: [points[0]!, points[1]!] });
      if (stats) values.push(...statsValues(stats, unit));
    } else if (kind === 'probe') {
      const probed = await this.#host.decoder().probe(key, frame, points[0]!);
      if (probed.value !== null) values.push({ name: 'value', value: probed.value, unit });
      if (probed.rgb) {
        const [r, g, b] = probed.rgb;
        values.push(
          { name: 'red', value: r, unit: '' },
          { name: 'green', value: g, unit: '' },
          { name: 'blue', value: b, unit: '' },
        );
        extra = `RGB ${r}, ${g}, ${b}`;
      }
    }
    const note = [spacingNote(geometry), extra].filter(Boolean).join('; ');
    return note ? { values, note } : { values };
  }

  /** A measurement of the frame on screen, ready to store. */
  draft(
    id: string,
    kind: MeasurementKind,
    points: ImagePoint[],
    measured: { values: MeasurementValue[]; note?: string },
  ): MeasurementDraft | null {
    const image = this.shownImage;
    const info = this.info;
    if (!image || !info || !this.connectionId) return null;
    const c = this.context;
    return {
      id,
      connectionId: this.connectionId,
      sopInstanceUid: image.sopInstanceUID || info.sopInstanceUid,
      frame: this.shownFrame,
      kind,
      points: points.map((p) => ({ x: p.x, y: p.y })),
      values: measured.values,
      ...(measured.note ? { note: measured.note } : {}),
      context: {
        patientName: c?.patientName ?? '',
        patientID: c?.patientID ?? '',
        studyDate: c?.studyDate ?? '',
        studyDescription: c?.studyDescription ?? '',
        seriesDescription: c?.seriesDescription ?? '',
        modality: c?.modality ?? '',
        instanceNumber: image.instanceNumber ?? '',
        imageId: image.id,
      },
    };
  }

  // ── window / level ──────────────────────────────────────────────────────────
  get isGreyscale(): boolean {
    return this.info?.greyscale === true;
  }

  get isFallback(): boolean {
    return this.#fallback.has(this.image?.id ?? -1);
  }

  setWindow(window: VoiWindow): void {
    if (!this.isGreyscale && !this.isFallback) return;
    this.window = window;
    void this.show();
  }

  /** Window during a drag of (dx, dy) pixels from `start`. */
  dragTo(start: VoiWindow, dx: number, dy: number): void {
    const range = this.range ?? {
      min: start.center - start.width / 2,
      max: start.center + start.width / 2,
    };
    this.setWindow(dragWindow(start, dx, dy, dragSensitivity(range)));
  }

  /** The image's own default window (file window if usable, else min/max). */
  defaultWindow(): void {
    if (this.range) this.setWindow(defaultWindow(this.info?.fileWindow, this.range));
  }

  /** Full value range. */
  fullRange(): void {
    if (this.range) this.setWindow(rangeWindow(this.range));
  }

  // ── fit / zoom / pan ────────────────────────────────────────────────────────
  get imageSize(): Size {
    const c = this.current;
    return c ? { width: c.width, height: c.height } : { width: 1, height: 1 };
  }

  zoomBy(factor: number, anchor?: { x: number; y: number }): void {
    this.view = zoomAt(
      this.imageSize,
      this.size,
      this.view,
      this.view.zoom * factor,
      anchor,
      this.pixel,
    );
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

  /** R: fit and the default window. */
  reset(): void {
    this.view = FIT;
    this.defaultWindow();
  }
}
