/**
 * The viewer's worker scheduling (src-renderer/lib/viewer/decoder.ts), driven through its public calls with a
 * stand-in worker that answers when told: two jobs go to the worker at once (so it is not idle while a reply
 * waits for the UI thread), what the user waits for still goes before the work ahead, and a slice the user
 * reaches while its render ahead is queued has that render promoted (not rendered a second time).
 */
import { describe, expect, it } from 'vitest';
import type { WorkerRequest } from '../../../src-renderer/lib/viewer/decode-protocol.js';
import { Decoder } from '../../../src-renderer/lib/viewer/decoder.js';

class FakeWorker {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  posted: WorkerRequest[] = [];
  postMessage(message: WorkerRequest): void {
    this.posted.push(message);
  }
  terminate(): void {}
  /** Answers the posted job `id` as the real worker would (a loaded image, or a rendered frame). */
  answer(id: number): void {
    const job = this.posted.find((m) => 'id' in m && m.id === id);
    if (!job || job.type === 'forget') throw new Error(`no job ${id}`);
    const info = { width: 2, height: 2, frames: 1, geometry: [], parseMs: 1 };
    this.onmessage?.({
      data:
        job.type === 'load'
          ? { type: 'loaded', id, info }
          : { type: 'rendered', id, width: 2, height: 2, bitmap: {}, decodeMs: 0, renderMs: 1 },
    });
  }
}

const what = (m: WorkerRequest) => `${m.type} ${'key' in m ? m.key : ''}`;
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
const window = { center: 40, width: 400 };

describe('viewer decoder scheduling', () => {
  it('has two jobs with the worker at once, and no more', async () => {
    const worker = new FakeWorker();
    const decoder = new Decoder(worker as unknown as Worker);
    const results = [
      decoder.load('a', new ArrayBuffer(8)),
      decoder.load('b', new ArrayBuffer(8)),
      decoder.load('c', new ArrayBuffer(8)),
    ];
    expect(worker.posted.map(what)).toEqual(['load a', 'load b']);
    worker.answer(1);
    expect(worker.posted.map(what)).toEqual(['load a', 'load b', 'load c']);
    worker.answer(3);
    worker.answer(2);
    const infos = await Promise.all(results);
    expect(infos.map((i) => i.width)).toEqual([2, 2, 2]);
  });

  it('sends what the user waits for before the work ahead, and promotes a queued render ahead', async () => {
    const worker = new FakeWorker();
    const decoder = new Decoder(worker as unknown as Worker);
    // Two jobs keep the worker busy; three renders ahead wait behind them.
    void decoder.load('busy1', new ArrayBuffer(8));
    void decoder.load('busy2', new ArrayBuffer(8));
    const ahead = ['s1', 's2', 's3'].map((key) => decoder.prerender(key, 0, window));
    // The user reaches s3: its render ahead goes first, and is the one the user gets.
    decoder.promote('s3');
    worker.answer(1);
    expect(worker.posted.slice(2).map(what)).toEqual(['render s3']);
    worker.answer(3);
    const s3 = await ahead[2]!;
    expect(s3?.width).toBe(2);
    // Then the rest of the work ahead, in its order.
    worker.answer(2);
    expect(worker.posted.slice(2).map(what)).toEqual(['render s3', 'render s1', 'render s2']);
    worker.answer(4);
    worker.answer(5);
    await flush();
    expect((await ahead[0])?.width).toBe(2);
    expect((await ahead[1])?.width).toBe(2);
  });

  it('renders ahead with the priority asked: reached meanwhile goes before the queued work ahead', () => {
    const worker = new FakeWorker();
    const decoder = new Decoder(worker as unknown as Worker);
    void decoder.load('busy1', new ArrayBuffer(8));
    void decoder.load('busy2', new ArrayBuffer(8));
    void decoder.prerender('s1', 0, window);
    void decoder.prerender('s2', 0, window, 'now');
    worker.answer(1);
    expect(worker.posted.slice(2).map(what)).toEqual(['render s2']);
  });
});
