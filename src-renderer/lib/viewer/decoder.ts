/**
 * The viewer's side of the decoding worker: promise-based calls, scheduled so that what the user waits for goes
 * first. Two jobs are with the worker at a time (with one, the worker sat idle while each reply waited its turn on
 * a busy UI thread; with two, it works on the next while the UI thread takes the last one's reply, and what the
 * user asks for waits behind at most one job); the next is picked in this order: loads, statistics and probes
 * (`now`), then the display renders of each viewport (a *lane*: while one waits, a newer render of the same lane
 * replaces it, which then resolves null — dragging the window sends many), then work ahead of the user (prefetch
 * loads and renders of the next slices, dropped by `cancelAhead()` when the user jumps elsewhere).
 */
import type { ImagePoint } from '../../../src-preload/contract.js';
import type { DecodedImageInfo, WorkerReply, WorkerRequest } from './decode-protocol.js';
import type { RoiShape, RoiStats } from './measure.js';
import { MARKS, mark } from './perf.js';
import type { ValueRange, VoiWindow } from './window-level.js';

export interface RenderedFrame {
  width: number;
  height: number;
  bitmap: ImageBitmap;
  window?: VoiWindow;
  range?: ValueRange;
  decodeMs: number;
  renderMs: number;
}

export class DecodeError extends Error {
  constructor(
    message: string,
    /** True when the bytes arrived but could not be decoded here (then the server's PNG may help). */
    readonly decodeFailed: boolean,
    /** True when the dataset has no Pixel Data at all (nothing to show; the server cannot render it). */
    readonly noPixelData = false,
    /** True when the worker no longer holds the image: load it again. */
    readonly notLoaded = false,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

type Request = WorkerRequest extends infer R
  ? R extends { id: number }
    ? Omit<R, 'id'>
    : never
  : never;

interface Job {
  request: Request;
  transfer: Transferable[];
  resolve: (reply: WorkerReply | null) => void;
}

export type Priority = 'now' | 'ahead';

/** Jobs with the worker at once. */
const IN_FLIGHT = 2;

function failure(reply: Extract<WorkerReply, { type: 'error' }>): DecodeError {
  return new DecodeError(
    reply.message,
    reply.decodeFailed,
    reply.noPixelData === true,
    reply.notLoaded === true,
  );
}

export class Decoder {
  #worker: Worker;
  #next = 1;
  #inFlight = new Map<number, Job>();
  #now: Job[] = [];
  #lanes = new Map<string, Job>();
  #ahead: Job[] = [];
  #disposed = false;

  constructor(
    worker: Worker = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module' }),
  ) {
    this.#worker = worker;
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const job = this.#inFlight.get(event.data.id);
      if (!job) return;
      this.#inFlight.delete(event.data.id);
      job.resolve(event.data);
      this.#pump();
    };
  }

  #enqueue(request: Request, priority: Priority | { lane: string }, transfer: Transferable[] = []) {
    return new Promise<WorkerReply | null>((resolve) => {
      if (this.#disposed) {
        resolve({ type: 'error', id: 0, message: 'Viewer closed', decodeFailed: false });
        return;
      }
      const job: Job = { request, transfer, resolve };
      if (priority === 'now') this.#now.push(job);
      else if (priority === 'ahead') this.#ahead.push(job);
      else {
        this.#lanes.get(priority.lane)?.resolve(null);
        this.#lanes.set(priority.lane, job);
      }
      this.#pump();
    });
  }

  #pump(): void {
    while (this.#inFlight.size < IN_FLIGHT && !this.#disposed) {
      let job = this.#now.shift();
      if (!job) {
        const lane = this.#lanes.keys().next();
        if (!lane.done) {
          job = this.#lanes.get(lane.value);
          this.#lanes.delete(lane.value);
        }
      }
      job ??= this.#ahead.shift();
      if (!job) return;
      const id = this.#next++;
      this.#inFlight.set(id, job);
      this.#worker.postMessage({ ...job.request, id } as WorkerRequest, job.transfer);
    }
  }

  /** Parses an image's bytes (transferred to the worker: `bytes` is unusable afterwards). */
  async load(
    key: string,
    bytes: ArrayBuffer,
    priority: Priority = 'now',
  ): Promise<DecodedImageInfo> {
    const reply = await this.#enqueue({ type: 'load', key, bytes }, priority, [bytes]);
    if (reply?.type === 'error') throw failure(reply);
    if (reply?.type !== 'loaded') throw new DecodeError('Load dropped', false);
    mark(MARKS.parse, { ms: reply.info.parseMs });
    return reply.info;
  }

  #frame(reply: WorkerReply | null): RenderedFrame | null {
    if (reply === null) return null;
    if (reply.type === 'error') throw failure(reply);
    if (reply.type !== 'rendered') throw new Error('Unexpected reply');
    const { width, height, bitmap, window, range, decodeMs, renderMs } = reply;
    mark(MARKS.render, { decodeMs, renderMs });
    return { width, height, bitmap, window, range, decodeMs, renderMs };
  }

  /** A frame for display in `lane` (one per viewport); null when a newer render of the lane replaced it. */
  async render(
    key: string,
    frame: number,
    window: VoiWindow | undefined,
    lane: string,
  ): Promise<RenderedFrame | null> {
    // A plain copy: the caller's window may be a reactive proxy, which cannot be cloned to a worker.
    const plain = window ? { center: window.center, width: window.width } : undefined;
    return this.#frame(
      await this.#enqueue({ type: 'render', key, frame, window: plain }, { lane }),
    );
  }

  /**
   * A frame rendered ahead of the user (`now` when the user has reached it meanwhile); null when
   * `cancelAhead()` dropped it.
   */
  async prerender(
    key: string,
    frame: number,
    window: VoiWindow,
    priority: Priority = 'ahead',
  ): Promise<RenderedFrame | null> {
    const plain = { center: window.center, width: window.width };
    return this.#frame(
      await this.#enqueue({ type: 'render', key, frame, window: plain }, priority),
    );
  }

  /** The user now waits for this image: its load and renders, if queued as work ahead, go first. */
  promote(key: string): void {
    const mine = (job: Job) => 'key' in job.request && job.request.key === key;
    if (!this.#ahead.some(mine)) return;
    this.#now.push(...this.#ahead.filter(mine));
    this.#ahead = this.#ahead.filter((job) => !mine(job));
  }

  /** Drops the work ahead that has not started (its promises resolve null, or reject for loads). */
  cancelAhead(): void {
    for (const job of this.#ahead.splice(0)) job.resolve(null);
  }

  async stats(key: string, frame: number, shape: RoiShape): Promise<RoiStats | null> {
    const plain: RoiShape = {
      kind: shape.kind,
      points: [
        { x: shape.points[0].x, y: shape.points[0].y },
        { x: shape.points[1].x, y: shape.points[1].y },
      ],
    };
    const reply = await this.#enqueue({ type: 'stats', key, frame, shape: plain }, 'now');
    if (reply?.type === 'error') throw failure(reply);
    return reply?.type === 'stats' ? reply.stats : null;
  }

  async probe(
    key: string,
    frame: number,
    point: ImagePoint,
  ): Promise<{ value: number | null; rgb?: [number, number, number] }> {
    const reply = await this.#enqueue(
      { type: 'probe', key, frame, point: { x: point.x, y: point.y } },
      'now',
    );
    if (reply?.type === 'error') throw failure(reply);
    return reply?.type === 'probed' ? { value: reply.value, rgb: reply.rgb } : { value: null };
  }

  dispose(): void {
    this.#disposed = true;
    this.#worker.terminate();
    const closed: WorkerReply = {
      type: 'error',
      id: 0,
      message: 'Viewer closed',
      decodeFailed: false,
    };
    for (const job of [
      ...this.#now,
      ...this.#lanes.values(),
      ...this.#ahead,
      ...this.#inFlight.values(),
    ])
      job.resolve(closed);
    this.#inFlight.clear();
    this.#now = [];
    this.#lanes.clear();
    this.#ahead = [];
  }
}
