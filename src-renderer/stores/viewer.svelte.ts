/**
 * The viewer: a layout of viewports (1 × 1, 1 × 2, 2 × 2), each showing a series (`viewport.svelte.ts`); the
 * active one, which the keys, the toolbar and the side panels act on; the tool the mouse uses (window/level, pan,
 * zoom, or a measurement); synchronized scrolling of viewports that share a frame of reference; cine; the
 * overlays; and the measurements (`measurements.svelte.ts`). One decoding worker and one cache of rendered frames
 * serve all viewports.
 *
 * What the rest of the app used of the single-series viewer (`viewer.step()`, `viewer.index`, …) acts on the
 * active viewport.
 */
import type {
  Bridge,
  ImageAttributeItem,
  ImageItem,
  SeriesDetails,
} from '../../src-preload/contract.js';
import { errorMessage } from '../lib/format.js';
import type { DecodedImageInfo } from '../lib/viewer/decode-protocol.js';
import { Decoder } from '../lib/viewer/decoder.js';
import { FrameCache } from '../lib/viewer/frame-cache.js';
import type { ViewerContext } from '../lib/viewer/overlay.js';
import { MARKS, mark } from '../lib/viewer/perf.js';
import type { SeriesDrop } from '../lib/viewer/series-drop.js';
import type { Size, View } from '../lib/viewer/transform.js';
import { WINDOW_PRESETS, type VoiWindow } from '../lib/viewer/window-level.js';
import { MeasurementsStore } from './measurements.svelte.js';
import { Viewport, type ViewerFrame, type ViewerStatus } from './viewport.svelte.js';

export type { ViewerFrame, ViewerStatus } from './viewport.svelte.js';

export const LAYOUTS = ['1x1', '1x2', '2x2'] as const;
export type Layout = (typeof LAYOUTS)[number];
export const LAYOUT_CELLS: Record<Layout, number> = { '1x1': 1, '1x2': 2, '2x2': 4 };

export const TOOLS = [
  'window',
  'pan',
  'zoom',
  'length',
  'angle',
  'ellipse',
  'rectangle',
  'probe',
] as const;
export type Tool = (typeof TOOLS)[number];
export const MEASUREMENT_TOOLS: readonly Tool[] = [
  'length',
  'angle',
  'ellipse',
  'rectangle',
  'probe',
];

export class ViewerStore {
  isOpen = $state(false);
  layout = $state<Layout>('1x1');
  activeSlot = $state(0);
  tool = $state<Tool>('window');
  overlays = $state(true);
  sync = $state(true);
  helpOpen = $state(false);
  measurementsOpen = $state(false);
  /** Browse stays visible above the viewer, so series can be dragged from it into viewports. */
  browseBeside = $state(false);
  playing = $state(false);
  fps = $state(10);
  detailsOpen = $state(false);
  /** The thumbnail strip under the image (Slicebox's Display tab), shown for series of 2+ images. */
  thumbnailsOpen = $state(true);
  attributes = $state.raw<ImageAttributeItem[] | null>(null);
  attributesFor = $state<number | null>(null);
  attributesError = $state('');

  readonly viewports: Viewport[];
  readonly measurements: MeasurementsStore;

  #bridge: Bridge;
  #decoder: Decoder | null = null;
  #frames = new FrameCache(64);
  #cine: ReturnType<typeof setInterval> | null = null;

  constructor(bridge: Bridge) {
    this.#bridge = bridge;
    this.measurements = new MeasurementsStore(bridge);
    const host = {
      bridge,
      decoder: () => this.decoder,
      frames: this.#frames,
      went: (viewport: Viewport) => {
        if (viewport === this.active && this.detailsOpen) void this.loadAttributes();
      },
      moved: (viewport: Viewport) => this.#moved(viewport),
    };
    this.viewports = [0, 1, 2, 3].map((slot) => new Viewport(slot, host));
  }

  get decoder(): Decoder {
    this.#decoder ??= new Decoder();
    return this.#decoder;
  }

  /** The viewports of the layout, in reading order. */
  get visible(): Viewport[] {
    return this.viewports.slice(0, LAYOUT_CELLS[this.layout]);
  }

  get active(): Viewport {
    return this.viewports[this.activeSlot] ?? this.viewports[0]!;
  }

  // ── opening ─────────────────────────────────────────────────────────────────

  /** Opens the series in the active viewport, at `imageId` if given (else its first image). */
  async openSeries(
    connectionId: string,
    seriesId: number,
    title: string,
    imageId?: number | null,
    context: ViewerContext | null = null,
  ): Promise<void> {
    if (!this.isOpen) {
      this.isOpen = true;
      this.activeSlot = 0;
    }
    await this.openIn(this.activeSlot, { connectionId, seriesId, title, imageId, context });
  }

  /** Opens a series in viewport `slot` (a drop, or the active one), which becomes the active one. */
  async openIn(slot: number, drop: SeriesDrop): Promise<void> {
    const viewport = this.viewports[slot];
    if (!viewport) return;
    if (slot === this.activeSlot) this.stop();
    // The worker starts loading now, while the series' image list is read.
    this.#decoder ??= new Decoder();
    this.activeSlot = slot;
    this.attributes = null;
    this.attributesFor = null;
    this.measurements.exported = null;
    mark(MARKS.open, { slot, seriesId: drop.seriesId });
    await viewport.openSeries(
      drop.connectionId,
      drop.seriesId,
      drop.title,
      drop.imageId,
      drop.context,
    );
    if (viewport.seriesId !== drop.seriesId) return;
    void this.measurements.load(
      drop.connectionId,
      viewport.images.map((i) => i.sopInstanceUID),
    );
    if (this.detailsOpen && slot === this.activeSlot) void this.loadAttributes();
  }

  close(): void {
    this.stop();
    this.isOpen = false;
    this.helpOpen = false;
    for (const viewport of this.viewports) viewport.detach();
    this.#frames.clear();
  }

  dispose(): void {
    this.close();
    this.#decoder?.dispose();
    this.#decoder = null;
  }

  // ── layout and the active viewport ──────────────────────────────────────────

  setLayout(layout: Layout): void {
    this.layout = layout;
    if (this.activeSlot >= LAYOUT_CELLS[layout]) this.activeSlot = 0;
  }

  activate(slot: number): void {
    if (slot < 0 || slot >= LAYOUT_CELLS[this.layout] || slot === this.activeSlot) return;
    this.stop();
    this.activeSlot = slot;
    this.attributes = null;
    this.attributesFor = null;
    if (this.detailsOpen) void this.loadAttributes();
  }

  /** Next (or previous, `delta` −1) viewport of the layout. */
  cycleViewport(delta: number): void {
    const cells = LAYOUT_CELLS[this.layout];
    this.activate((((this.activeSlot + delta) % cells) + cells) % cells);
  }

  setTool(tool: Tool): void {
    this.tool = tool;
  }

  toggleOverlays(): void {
    this.overlays = !this.overlays;
  }

  toggleSync(): void {
    this.sync = !this.sync;
    if (this.sync) this.#moved(this.active);
  }

  toggleHelp(): void {
    this.helpOpen = !this.helpOpen;
  }

  toggleMeasurements(): void {
    this.measurementsOpen = !this.measurementsOpen;
  }

  toggleBrowseBeside(): void {
    this.browseBeside = !this.browseBeside;
  }

  /** The viewports whose slices follow `viewport` (sync on, same frame of reference). */
  #followers(viewport: Viewport): Viewport[] {
    const frameOfReference = viewport.frameOfReference;
    if (!this.sync || !frameOfReference) return [];
    return this.visible.filter((v) => v !== viewport && v.frameOfReference === frameOfReference);
  }

  #moved(viewport: Viewport): void {
    const centre = viewport.centre;
    const frameOfReference = viewport.frameOfReference;
    if (!centre || !frameOfReference) return;
    for (const follower of this.#followers(viewport))
      void follower.syncTo(centre, frameOfReference);
  }

  // ── the active viewport, as the single-series viewer was ─────────────────────
  get connectionId(): string | null {
    return this.active.connectionId;
  }
  get seriesId(): number | null {
    return this.active.seriesId;
  }
  get title(): string {
    return this.active.title;
  }
  get context(): ViewerContext | null {
    return this.active.context;
  }
  get images(): ImageItem[] {
    return this.active.images;
  }
  get index(): number {
    return this.active.index;
  }
  get frame(): number {
    return this.active.frame;
  }
  get frames(): number {
    return this.active.frames;
  }
  get info(): DecodedImageInfo | null {
    return this.active.info;
  }
  get window(): VoiWindow | null {
    return this.active.window;
  }
  get view(): View {
    return this.active.view;
  }
  get viewport(): Size {
    return this.active.size;
  }
  get status(): ViewerStatus {
    return this.active.status;
  }
  get message(): string {
    return this.active.message;
  }
  get current(): ViewerFrame | null {
    return this.active.current;
  }
  get series(): SeriesDetails | null {
    return this.active.series;
  }
  set series(details: SeriesDetails | null) {
    this.active.series = details;
  }
  get image(): ImageItem | null {
    return this.active.image;
  }
  get position(): string {
    return this.active.position;
  }
  get isGreyscale(): boolean {
    return this.active.isGreyscale;
  }
  get imageSize(): Size {
    return this.active.imageSize;
  }

  thumbnailUrl(imageId: number, height: number): Promise<string> {
    return this.active.thumbnailUrl(imageId, height);
  }
  toggleThumbnails(): void {
    this.thumbnailsOpen = !this.thumbnailsOpen;
  }
  step(delta: number): void {
    this.active.step(delta);
  }
  goTo(index: number, frame = 0): void {
    this.active.goTo(index, frame);
  }
  first(): void {
    this.active.first();
  }
  last(): void {
    this.active.last();
  }
  setWindow(window: VoiWindow): void {
    this.active.setWindow(window);
  }
  dragTo(start: VoiWindow, dx: number, dy: number): void {
    this.active.dragTo(start, dx, dy);
  }
  preset(key: string): boolean {
    const preset = WINDOW_PRESETS.find((p) => p.key === key);
    if (!preset) return false;
    this.active.setWindow({ center: preset.center, width: preset.width });
    return true;
  }
  defaultWindow(): void {
    this.active.defaultWindow();
  }
  fullRange(): void {
    this.active.fullRange();
  }
  zoomBy(factor: number, anchor?: { x: number; y: number }): void {
    this.active.zoomBy(factor, anchor);
  }
  zoomIn(): void {
    this.active.zoomIn();
  }
  zoomOut(): void {
    this.active.zoomOut();
  }
  fit(): void {
    this.active.fit();
  }
  panBy(dx: number, dy: number): void {
    this.active.panBy(dx, dy);
  }
  reset(): void {
    this.active.reset();
  }

  // ── cine ────────────────────────────────────────────────────────────────────
  play(): void {
    if (this.#cine) return;
    this.playing = true;
    this.#cine = setInterval(() => {
      const v = this.active;
      const atEnd = v.index >= v.images.length - 1 && v.frame >= v.frames - 1;
      if (atEnd) v.goTo(0, 0);
      else v.step(1);
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
    const connectionId = this.connectionId;
    if (!image || !connectionId || this.attributesFor === image.id) return;
    this.attributesFor = image.id;
    this.attributesError = '';
    try {
      const rows = await this.#bridge.invoke('images.attributes', {
        connectionId,
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
