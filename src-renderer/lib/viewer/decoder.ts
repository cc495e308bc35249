/**
 * The viewer's side of the decoding worker: promise-based load/render calls. Renders are coalesced: while
 * one is running for the viewer, only the newest pending request is kept (dragging the window sends many).
 */
import type { DecodedImageInfo, WorkerReply, WorkerRequest } from './decode-protocol.js';
import type { VoiWindow } from './window-level.js';

export interface RenderedFrame {
  width: number;
  height: number;
  pixels: Uint8ClampedArray<ArrayBuffer>;
}

export class DecodeError extends Error {
  constructor(
    message: string,
    /** True when the bytes arrived but could not be decoded here (then the server's PNG may help). */
    readonly decodeFailed: boolean,
    /** True when the dataset has no Pixel Data at all (nothing to show; the server cannot render it). */
    readonly noPixelData = false,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

type Pending = { resolve: (reply: WorkerReply) => void };

export class Decoder {
  #worker: Worker;
  #next = 1;
  #pending = new Map<number, Pending>();
  #busy = false;
  #queued: {
    args: { key: string; frame: number; window?: VoiWindow };
    resolve: (frame: RenderedFrame | null) => void;
    reject: (error: unknown) => void;
  } | null = null;

  constructor(
    worker: Worker = new Worker(new URL('./decode.worker.ts', import.meta.url), { type: 'module' }),
  ) {
    this.#worker = worker;
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const pending = this.#pending.get(event.data.id);
      if (!pending) return;
      this.#pending.delete(event.data.id);
      pending.resolve(event.data);
    };
  }

  #call(request: WorkerRequest): Promise<WorkerReply> {
    return new Promise((resolve) => {
      if (request.type !== 'forget') this.#pending.set(request.id, { resolve });
      this.#worker.postMessage(request);
    });
  }

  async load(key: string, url: string): Promise<DecodedImageInfo> {
    const absolute = new URL(url, location.href).href;
    const reply = await this.#call({ type: 'load', id: this.#next++, key, url: absolute });
    if (reply.type === 'error')
      throw new DecodeError(reply.message, reply.decodeFailed, reply.noPixelData === true);
    if (reply.type !== 'loaded') throw new Error('Unexpected reply');
    return reply.info;
  }

  async #render(key: string, frame: number, window?: VoiWindow): Promise<RenderedFrame> {
    // A plain copy: the caller's window may be a reactive proxy, which cannot be cloned to a worker.
    const plain = window ? { center: window.center, width: window.width } : undefined;
    const reply = await this.#call({ type: 'render', id: this.#next++, key, frame, window: plain });
    if (reply.type === 'error') throw new DecodeError(reply.message, reply.decodeFailed);
    if (reply.type !== 'rendered') throw new Error('Unexpected reply');
    return {
      width: reply.width,
      height: reply.height,
      pixels: new Uint8ClampedArray(reply.pixels),
    };
  }

  /**
   * Renders a frame; if another render is running, this one waits and replaces any request waiting before
   * it (which then resolves null: superseded).
   */
  render(key: string, frame: number, window?: VoiWindow): Promise<RenderedFrame | null> {
    return new Promise((resolve, reject) => {
      this.#queued?.resolve(null);
      this.#queued = { args: { key, frame, window }, resolve, reject };
      void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    if (this.#busy) return;
    while (this.#queued) {
      const job = this.#queued;
      this.#queued = null;
      this.#busy = true;
      try {
        job.resolve(await this.#render(job.args.key, job.args.frame, job.args.window));
      } catch (error) {
        job.reject(error);
      } finally {
        this.#busy = false;
      }
    }
  }

  dispose(): void {
    this.#worker.terminate();
    for (const pending of this.#pending.values()) {
      pending.resolve({ type: 'error', id: 0, message: 'Viewer closed', decodeFailed: false });
    }
    this.#pending.clear();
  }
}
