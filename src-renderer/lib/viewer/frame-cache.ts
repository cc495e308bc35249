/**
 * Rendered frames kept for a moment (least recently used first out), so scrolling back and forth under the same
 * window draws a frame at once instead of decoding it again, and frames rendered ahead of the user are there when
 * the user arrives. Keyed by image, frame and window.
 */
import type { RenderedFrame } from './decoder.js';
import type { VoiWindow } from './window-level.js';

export function frameKey(imageKey: string, frame: number, window: VoiWindow | null): string {
  return `${imageKey}|${frame}|${window ? `${window.center}/${window.width}` : '-'}`;
}

export class FrameCache {
  #frames = new Map<string, RenderedFrame>();

  constructor(readonly capacity = 48) {}

  get(key: string): RenderedFrame | undefined {
    const frame = this.#frames.get(key);
    if (frame) {
      this.#frames.delete(key);
      this.#frames.set(key, frame);
    }
    return frame;
  }

  has(key: string): boolean {
    return this.#frames.has(key);
  }

  set(key: string, frame: RenderedFrame): void {
    this.#frames.delete(key);
    this.#frames.set(key, frame);
    while (this.#frames.size > this.capacity) {
      const oldest = this.#frames.keys().next().value;
      if (oldest === undefined) break;
      this.#frames.delete(oldest);
    }
  }

  clear(): void {
    this.#frames.clear();
  }

  get size(): number {
    return this.#frames.size;
  }
}
