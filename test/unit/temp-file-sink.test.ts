/**
 * The temp file of a received C-STORE dataset (dimse/temp-file-sink.ts). The stream finishes when the last byte has
 * arrived, so that the store can validate the bytes kept in memory while the file is still being written; `synced`
 * settles only when every byte is in the file and the file is flushed and closed. A file handle whose writes the
 * test holds back shows the order of events.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  SINK_HIGH_WATER_BYTES,
  TempFileSink,
} from '../../src-main/localbox/dimse/temp-file-sink.js';
import type { SinkFileHandle } from '../../src-main/localbox/dimse/temp-file-sink.js';
import { UploadMemory } from '../../src-main/localbox/storage/receive-temp.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'sink-'));
  dirs.push(d);
  return d;
}

/** A real file whose writes wait until `release()`; every call is recorded in `events`. */
function heldFile(options: { failWrites?: boolean } = {}) {
  const events: string[] = [];
  let released = false;
  let wake: (() => void) | undefined;
  const gate = (): Promise<void> =>
    released ? Promise.resolve() : new Promise<void>((r) => (wake = r));
  const opener = async (path: string): Promise<SinkFileHandle> => {
    const real = await open(path, 'wx');
    const handle = {
      write: async (b: Buffer) => {
        await gate();
        if (options.failWrites) throw new Error('ENOSPC: no space left on device (test)');
        events.push(`write ${b.length}`);
        return real.write(b);
      },
      writev: async (bs: Buffer[]) => {
        await gate();
        if (options.failWrites) throw new Error('ENOSPC: no space left on device (test)');
        events.push(`write ${bs.reduce((n, b) => n + b.length, 0)}`);
        return real.writev(bs);
      },
      sync: async () => {
        events.push('sync');
        return real.sync();
      },
      close: async () => {
        events.push('close');
        return real.close();
      },
    };
    return handle as unknown as SinkFileHandle;
  };
  return {
    opener,
    events,
    release: () => {
      released = true;
      wake?.();
    },
  };
}

function settledFlag(p: Promise<unknown>): { settled: boolean } {
  const flag = { settled: false };
  p.then(
    () => (flag.settled = true),
    () => (flag.settled = true),
  );
  return flag;
}

/** Resolves on `event`, or rejects after `ms` (a sink that never emits it fails the test instead of hanging). */
function once(sink: TempFileSink, event: string, ms = 3000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${event}' within ${ms} ms`)), ms);
    sink.once(event, () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const header = Buffer.from('HEADER--');
const parts = [Buffer.alloc(100_000, 1), Buffer.alloc(200_000, 2), Buffer.alloc(50_001, 3)];
const whole = Buffer.concat([header, ...parts]);

describe('TempFileSink', () => {
  test('finishes when the last byte has arrived, with every byte in memory, before its file is written', async () => {
    const file = heldFile();
    const memory = new UploadMemory();
    const path = join(tempDir(), 'a.part');
    const sink = new TempFileSink(path, header, memory, file.opener);
    const finished = once(sink, 'finish');
    for (const p of parts) sink.write(p);
    sink.end();
    await finished;
    // Handed over now: the bytes are complete while no byte has reached the file yet.
    expect(file.events).toEqual([]);
    const bytes = sink.takeBytes();
    expect(bytes && Buffer.from(bytes).equals(whole)).toBe(true);
    const synced = settledFlag(sink.synced);
    await new Promise((r) => setTimeout(r, 50));
    expect(synced.settled).toBe(false);
    expect(memory.used).toBe(whole.length);

    file.release();
    await sink.synced;
    // Every byte in arrival order, then one flush, then the close.
    const writes = file.events.filter((e) => e.startsWith('write'));
    expect(writes.reduce((n, e) => n + Number(e.split(' ')[1]), 0)).toBe(whole.length);
    expect(file.events.slice(-2)).toEqual(['sync', 'close']);
    expect(readFileSync(path).equals(whole)).toBe(true);
    // The memory budget is held until the flush has settled, then given back.
    await new Promise((r) => setImmediate(r));
    expect(memory.used).toBe(0);
  });

  test('a write that fails after the hand-over rejects `synced` and closes the file', async () => {
    const file = heldFile({ failWrites: true });
    const sink = new TempFileSink(
      join(tempDir(), 'b.part'),
      header,
      new UploadMemory(),
      file.opener,
    );
    const finished = once(sink, 'finish');
    for (const p of parts) sink.write(p);
    sink.end();
    await finished;
    file.release();
    await expect(sink.synced).rejects.toThrow(/ENOSPC/);
    expect(file.events).toEqual(['close']);
  });

  test('destroyed before its end: the running write settles, then the partial file is closed and removed', async () => {
    const file = heldFile();
    const memory = new UploadMemory();
    const path = join(tempDir(), 'c.part');
    const sink = new TempFileSink(path, header, memory, file.opener);
    sink.write(parts[0]!);
    await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(path)).toBe(true);
    const closed = once(sink, 'close');
    sink.destroy();
    // The file is not removed under a write that is still running.
    await new Promise((r) => setTimeout(r, 30));
    expect(file.events).toEqual([]);
    file.release();
    await closed;
    expect(existsSync(path)).toBe(false);
    expect(file.events.at(-1)).toBe('close');
    expect(file.events).not.toContain('sync');
    expect(memory.used).toBe(0);
  });

  test('more than the high-water mark waiting for the disk: write() asks the receiver to wait, then drains', async () => {
    const file = heldFile();
    const sink = new TempFileSink(join(tempDir(), 'd.part'), header, undefined, file.opener);
    const chunk = Buffer.alloc(256 * 1024, 7);
    let accepted = 0;
    let ok = true;
    while (ok && accepted < 4 * SINK_HIGH_WATER_BYTES) {
      ok = sink.write(chunk);
      accepted += chunk.length;
    }
    expect(ok).toBe(false);
    expect(sink.writableNeedDrain).toBe(true);
    // Bounded: the disk is at most two high-water marks (the sink's and the stream's) behind.
    expect(accepted).toBeLessThanOrEqual(2 * SINK_HIGH_WATER_BYTES + chunk.length);
    const drained = once(sink, 'drain');
    file.release();
    await drained;
    sink.end();
    await once(sink, 'finish');
    await sink.synced;
    expect(sink.takeBytes()).toBeUndefined();
  });

  test('a temp file that cannot be created: the stream still finishes, with the error, and `synced` rejects', async () => {
    const path = join(tempDir(), 'missing-folder', 'e.part');
    const sink = new TempFileSink(path, header, new UploadMemory());
    const finished = once(sink, 'finish');
    for (const p of parts) sink.write(p);
    sink.end();
    await finished;
    await expect(sink.synced).rejects.toThrow(/ENOENT/);
    expect(sink.error?.message).toMatch(/ENOENT/);
    expect(sink.takeBytes()).toBeUndefined();
  });
});
