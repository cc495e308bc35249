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
import {
  closeSync,
  createWriteStream,
  fsync,
  open as openCallback,
  writev as writevCallback,
  writeSync,
  writevSync,
} from 'node:fs';
import { rm } from 'node:fs/promises';
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

/** A new file at `path` (`wx`), opened on the libuv pool; the promise is observed, never an unhandled rejection. */
function openNew(path: string): Promise<number> {
  const opening = new Promise<number>((resolve, reject) =>
    openCallback(path, 'wx', (e, fd) => (e ? reject(e) : resolve(fd))),
  );
  opening.catch(() => undefined);
  return opening;
}

/** Closes the file being opened (if it opened) and removes it. */
async function discardNew(path: string, opening: Promise<number>): Promise<void> {
  const fd = await opening.catch(() => undefined);
  if (fd !== undefined) closeSync(fd);
  await rm(path, { force: true });
}

/** Streams `chunks` (received so far) and the rest of `rest` into the new file `fd` at `path`, flushed. */
async function streamToFile(
  path: string,
  opening: Promise<number>,
  chunks: readonly Buffer[],
  rest: AsyncIterator<unknown>,
): Promise<void> {
  async function* all(): AsyncGenerator<Buffer> {
    yield* chunks;
    for (let r = await rest.next(); !r.done; r = await rest.next()) yield toBuffer(r.value);
  }
  let fd: number | undefined;
  try {
    fd = await opening;
    // `flush: true` fsyncs the file before it is closed (the stream closes `fd`); pipeline resolves after the close.
    const stream = createWriteStream(path, { fd, flush: true });
    fd = undefined;
    await pipeline(all(), stream);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    await rm(path, { force: true });
    throw e;
  }
}

/**
 * Writes `chunks` into the new file being opened (`opening`, started when the upload began, so that creating it
 * overlapped the upload's arrival), fsyncs and closes it. On failure the file is removed.
 *
 * Up to `SYNC_WRITE_MAX_BYTES`, the write is synchronous (copying ≤ 4 MiB into the page cache) and only the fsync
 * goes to the libuv pool: one round trip through the pool instead of four (open, writev, fsync, close), which each
 * waited for a free pool thread and a turn of a busy event loop (issue 9: that chain was about 2.4 ms of the
 * ~3.3 ms a stored image spent in the engine). Creating the file stays on the pool: under concurrent flushes a
 * synchronous create waited for the file system's journal, ~0.7 ms of the event loop per upload. Larger files are
 * written asynchronously, so the event loop is never held by a big write.
 */
async function writeChunks(
  path: string,
  opening: Promise<number>,
  opened: number | undefined,
  chunks: readonly Buffer[],
  total: number,
): Promise<void> {
  let fd: number | undefined;
  try {
    // Opened already: the write starts in this call, before the caller goes on.
    fd = opened ?? (await opening);
    let done =
      total <= SYNC_WRITE_MAX_BYTES
        ? writevSync(fd, chunks as Buffer[])
        : await writevAsync(fd, chunks);
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

/** One `writev` of `chunks` at the file's position on the libuv pool; the bytes written (the caller continues a short write). */
function writevAsync(fd: number, chunks: readonly Buffer[]): Promise<number> {
  return new Promise((resolve, reject) =>
    writevCallback(fd, chunks as Buffer[], (e, written) => (e ? reject(e) : resolve(written))),
  );
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
  // Created while the upload arrives (see writeChunks).
  const opening = openNew(path);
  let opened: number | undefined;
  void opening.then(
    (fd) => (opened = fd),
    () => undefined,
  );
  const chunks: Buffer[] = [];
  let held = 0;
  /** The file was handed to streamToFile, which removes it on failure. */
  let streaming = false;
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
        streaming = true;
        await streamToFile(path, opening, chunks, iterator);
        return { path, written: Promise.resolve() };
      }
      held += chunk.length;
      chunks.push(chunk);
    }
  } catch (e) {
    memory.give(held);
    if (!streaming) await discardNew(path, opening);
    throw e;
  }
  // The write (and its flush) first, then the copy for the validating worker.
  const written = writeChunks(path, opening, opened, chunks, held).finally(() => memory.give(held));
  const bytes = Buffer.concat(chunks, held);
  // Observed by the caller; never an unhandled rejection meanwhile.
  written.catch(() => undefined);
  return { path, bytes, written };
}
