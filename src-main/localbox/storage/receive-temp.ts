/**
 * Receiving an upload into the temp folder, with its bytes kept in memory when it is small, so that validation
 * (in a worker, images/ingest.ts) can run from those bytes while the temp file is being written and flushed,
 * instead of after it, from the file.
 *
 * - An upload up to `perUploadBytes` (default 16 MiB), while all uploads held in memory stay within
 *   `totalBytes` (default 128 MiB), is collected in memory. When its last byte has arrived, the temp file is
 *   written with one `writev` of the received chunks (synchronously up to 4 MiB, see `writeChunks`), flushed
 *   (fsync) and closed: `written` settles then.
 *   `bytes` is a copy of the content made for the validating worker (its buffer can be transferred).
 * - A larger upload (or one arriving while the memory budget is used up) is streamed to the temp file as it
 *   arrives, as before; it has no `bytes`, and `written` has settled when `receiveTemp` resolves.
 *
 * Either way the durability order is unchanged: nothing is renamed into place before `written` has resolved
 * (the temp file is on disk). On failure the temp file is removed; the caller must let `written` settle before
 * removing the temp file itself (discardTemp), so that a write still running cannot recreate it.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, createWriteStream, fsync, openSync, writeSync, writevSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface ReceivedTemp {
  /** The temp file (in the store's temp folder); the ingest consumes it. */
  path: string;
  /** The whole content, when the upload was kept in memory; the file has exactly these bytes. */
  bytes?: Uint8Array;
  /** Resolves once the temp file is completely written and flushed to disk; rejects (file removed) on failure. */
  written: Promise<void>;
}

export interface UploadMemoryOptions {
  perUploadBytes: number;
  totalBytes: number;
}

const MIB = 1024 * 1024;
export const DEFAULT_UPLOAD_MEMORY: Readonly<UploadMemoryOptions> = {
  perUploadBytes: 16 * MIB,
  totalBytes: 128 * MIB,
};

/** How many bytes of uploads are held in memory now, across concurrent uploads, within a total. */
export class UploadMemory {
  private inUse = 0;

  constructor(readonly options: Readonly<UploadMemoryOptions> = DEFAULT_UPLOAD_MEMORY) {}

  /** Takes `n` more bytes for an upload that holds `held` already; false when that would exceed a limit. */
  take(held: number, n: number): boolean {
    if (held + n > this.options.perUploadBytes || this.inUse + n > this.options.totalBytes)
      return false;
    this.inUse += n;
    return true;
  }

  give(n: number): void {
    this.inUse = Math.max(0, this.inUse - n);
  }

  get used(): number {
    return this.inUse;
  }
}

/** Streams `chunks` (received so far) and the rest of `rest` into a new file at `path`, flushed. */
async function streamToFile(
  path: string,
  chunks: readonly Buffer[],
  rest: AsyncIterator<unknown>,
): Promise<void> {
  async function* all(): AsyncGenerator<Buffer> {
    yield* chunks;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield toBuffer(r.value);
  }
  try {
    // `flush: true` fsyncs the file before it is closed; pipeline resolves after the close.
    await pipeline(all(), createWriteStream(path, { flags: 'wx', flush: true }));
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
}

/**
 * Writes `chunks` as a new file at `path`, fsyncs and closes it. On failure the file is removed.
 *
 * Up to `SYNC_WRITE_MAX_BYTES`, the open and the write are synchronous (copying ≤ 4 MiB into the page cache takes
 * well under a millisecond per MiB) and only the fsync goes to the libuv pool: one round trip through the pool
 * instead of four (open, writev, fsync, close), which each waited for a free pool thread and a turn of a busy event
 * loop. That chain was the longest part of a stored image's path (issue 9: about 2.4 ms of ~3.3 ms). Larger files
 * are written asynchronously, so the event loop is never held by a big write.
 */
async function writeChunks(path: string, chunks: readonly Buffer[], total: number): Promise<void> {
  if (total > SYNC_WRITE_MAX_BYTES) return writeChunksAsync(path, chunks, total);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'wx');
    let done = writevSync(fd, chunks as Buffer[]);
    if (done < total) {
      // A short write (rare for regular files): the rest, from a copy of what is left.
      const all = Buffer.concat(chunks as Buffer[], total);
      while (done < total) done += writeSync(fd, all, done, total - done);
    }
    await fsyncFd(fd);
    closeSync(fd);
    fd = undefined;
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    await rm(path, { force: true });
    throw e;
  }
}

/** Files written synchronously by `writeChunks` at most. */
export const SYNC_WRITE_MAX_BYTES = 4 * MIB;

function fsyncFd(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (e) => (e ? reject(e) : resolve())));
}

async function writeChunksAsync(path: string, chunks: readonly Buffer[], total: number): Promise<void> {
  try {
    const handle = await open(path, 'wx');
    try {
      let done = (await handle.writev(chunks as Buffer[])).bytesWritten;
      if (done < total) {
        const all = Buffer.concat(chunks as Buffer[], total);
        while (done < total) done += (await handle.write(all, done, total - done)).bytesWritten;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (e) {
    await rm(path, { force: true });
    throw e;
  }
}

function toBuffer(chunk: unknown): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk);
  if (chunk instanceof Uint8Array)
    return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('an upload stream must yield bytes');
}

/**
 * Receives `source` into a new temp file in `tmpDir` (see the file comment). Resolves when the whole upload has
 * arrived; rejects when the source fails (nothing is left behind).
 */
export async function receiveTemp(
  source: Readable,
  tmpDir: string,
  memory: UploadMemory,
): Promise<ReceivedTemp> {
  const path = join(tmpDir, `${randomUUID()}.part`);
  const chunks: Buffer[] = [];
  let held = 0;
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<unknown>;
  try {
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) {
      const chunk = toBuffer(r.value);
      if (chunk.length === 0) continue;
      if (!memory.take(held, chunk.length)) {
        // Too large to keep in memory: from here on it streams to the file.
        memory.give(held);
        held = 0;
        chunks.push(chunk);
        await streamToFile(path, chunks, iterator);
        return { path, written: Promise.resolve() };
      }
      held += chunk.length;
      chunks.push(chunk);
    }
  } catch (e) {
    memory.give(held);
    throw e;
  }
  const bytes = Buffer.concat(chunks, held);
  const written = writeChunks(path, chunks, held).finally(() => memory.give(held));
  // Observed by the caller; never an unhandled rejection meanwhile.
  written.catch(() => undefined);
  return { path, bytes, written };
}
