/**
 * Where a received C-STORE dataset goes as its PDVs arrive (the SCP, scp-listener.ts, and C-GET, pacs/c-get-store.ts):
 * a temp file behind a Part 10 header, written in arrival order and flushed (fsync) at the end, and, while the memory
 * budget allows, the same bytes in memory.
 *
 * The stream finishes as soon as the last byte has *arrived* (`end()`), not when the file has been written: the
 * dataset is then handed to the store, which validates the bytes kept in memory while the file is still being
 * written and flushed. `synced` settles when every byte is in the file and the file is flushed and closed; the ingest
 * waits for it before the file is renamed into place and committed (temp file → fsync → rename → commit, unchanged).
 * Without bytes in memory the store reads the file, after `synced`.
 */
import type { FileHandle } from 'node:fs/promises';
import { open, rm } from 'node:fs/promises';
import { Writable } from 'node:stream';
import type { UploadMemory } from '../storage/receive-temp.js';
import { DATASET_HEAD_BYTES } from './received-dataset.js';

/**
 * Bytes a temp file may have waiting for the disk. Beyond it the stream holds the write callback (so `write()`
 * returns false and the SCP's gate waits for 'drain' before the next PDU); the stream's own buffer has the same bound.
 */
export const SINK_HIGH_WATER_BYTES = 4 * 1024 * 1024;

/** The one part of `FileHandle` the sink uses (a test passes its own, to hold writes or make them fail). */
export type SinkFileHandle = Pick<FileHandle, 'write' | 'writev' | 'sync' | 'close'>;

/** Opens a new temp file for writing (exclusive create). */
export type SinkOpener = (path: string) => Promise<SinkFileHandle>;

const openExclusive: SinkOpener = (path) => open(path, 'wx');

/** Writes all of `buffers` at the file position (a short write is continued, never silently accepted). */
async function writeFully(handle: SinkFileHandle, buffers: Buffer[]): Promise<void> {
  let rest = buffers;
  while (rest.length > 0) {
    const total = rest.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } =
      rest.length === 1 ? await handle.write(rest[0]!) : await handle.writev(rest);
    if (bytesWritten >= total) return;
    if (bytesWritten <= 0) throw new Error('the temp file write wrote nothing');
    let skip = bytesWritten;
    const next: Buffer[] = [];
    for (const b of rest) {
      if (skip >= b.length) skip -= b.length;
      else {
        next.push(skip > 0 ? b.subarray(skip) : b);
        skip = 0;
      }
    }
    rest = next;
  }
}

/**
 * A writable that puts the Part 10 header and then every received PDV value into a temp file. It never emits 'error'
 * (dcmjs-dimse does not listen for one): a failure before the end is recorded in `error`, later bytes are discarded;
 * a failure after the end rejects `synced`. Either way the store is reported as failed.
 */
export class TempFileSink extends Writable {
  error: Error | undefined;
  /** Settles when every byte is in the temp file and it is flushed and closed (rejects when that failed). */
  synced: Promise<void> = Promise.resolve();
  /** Resolves with the open file, or undefined when it could not be opened (`error`). */
  private readonly opened: Promise<SinkFileHandle | undefined>;
  /** Bytes accepted but not yet handed to a file write, in arrival order. */
  private queued: Buffer[] = [];
  /** Bytes accepted and not yet written (queued or in the write running now). */
  private unwritten = 0;
  /** The write running now (one at a time, so that the file has the bytes in arrival order). */
  private writing: Promise<void> | undefined;
  /** A write callback held back while more than SINK_HIGH_WATER_BYTES wait for the disk. */
  private held: (() => void) | undefined;
  /** Set by `_final`: the file's flush and close belong to `synced` from then on. */
  private ended = false;
  private destroyedEarly = false;
  /** Everything received so far, while it fits the memory budget (views: received chunks are never reused). */
  private kept: Buffer[] | undefined = [];
  private keptLength = 0;
  /** Header bytes still to pass before the dataset starts. */
  private headerLeft: number;
  /** The first DATASET_HEAD_BYTES of the dataset (for received-dataset.ts). */
  private headParts: Buffer[] = [];
  private headLength = 0;

  constructor(
    readonly path: string,
    header: Buffer,
    private readonly memory: UploadMemory | undefined,
    openFile: SinkOpener = openExclusive,
  ) {
    // Not auto-destroyed on finish: the finished stream is handed over to the ingest.
    super({ autoDestroy: false, highWaterMark: SINK_HIGH_WATER_BYTES });
    this.headerLeft = header.length;
    if (!memory) this.kept = undefined;
    // Opened at once, so that a dataset's first bytes do not wait for it.
    this.opened = openFile(path).catch((e: Error) => {
      this.error ??= e;
      return undefined;
    });
    this.write(header);
  }

  /** The whole file as received, when it was kept in memory (a copy that can be moved to a worker). */
  takeBytes(): Uint8Array | undefined {
    const kept = this.kept;
    if (!kept || this.error) {
      this.dropKept();
      return undefined;
    }
    this.kept = undefined;
    const bytes = Buffer.concat(kept, this.keptLength);
    // The budget is held until the flush has settled, like an HTTP upload's.
    const length = this.keptLength;
    void this.synced.then(
      () => this.memory?.give(length),
      () => this.memory?.give(length),
    );
    return bytes;
  }

  /** The first bytes of the dataset as received (at most DATASET_HEAD_BYTES). */
  get datasetHead(): Buffer {
    return this.headParts.length === 1
      ? this.headParts[0]!
      : Buffer.concat(this.headParts, this.headLength);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void): void {
    this.accept([chunk], callback);
  }

  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: () => void,
  ): void {
    this.accept(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  /** Every byte has arrived: finish now; the last writes, the flush and the close run on (`synced`). */
  override _final(callback: () => void): void {
    this.ended = true;
    this.synced = this.settleFile();
    this.synced.catch(() => undefined);
    callback();
  }

  /** Destroyed before it finished (association aborted or closed mid-transfer): the partial file goes. */
  override _destroy(_error: Error | null, callback: (error?: Error | null) => void): void {
    // Bytes not handed over (`takeBytes`) give their memory budget back.
    this.dropKept();
    if (this.ended) return callback(null);
    this.destroyedEarly = true;
    this.queued = [];
    this.releaseHeld();
    void (async () => {
      // A write still running could recreate the file after its removal: let it settle first.
      await this.writing?.catch(() => undefined);
      const handle = await this.opened;
      await handle?.close().catch(() => undefined);
      await rm(this.path, { force: true }).catch(() => undefined);
    })().then(() => callback(null));
  }

  private accept(buffers: Buffer[], callback: () => void): void {
    this.keepHead(buffers);
    this.keep(buffers);
    if (this.error || this.destroyedEarly) return callback();
    for (const b of buffers) {
      this.queued.push(b);
      this.unwritten += b.length;
    }
    this.pump();
    if (this.unwritten > SINK_HIGH_WATER_BYTES) this.held = callback;
    else callback();
  }

  /** Starts the next write when none is running: everything queued, in one `writev`. */
  private pump(): void {
    if (this.writing || this.queued.length === 0) return;
    const batch = this.queued;
    this.queued = [];
    const length = batch.reduce((n, b) => n + b.length, 0);
    this.writing = (async () => {
      try {
        const handle = await this.opened;
        if (!handle || this.error || this.destroyedEarly) return;
        await writeFully(handle, batch);
      } catch (e) {
        this.error ??= e instanceof Error ? e : new Error(String(e));
      } finally {
        this.unwritten -= length;
        this.writing = undefined;
      }
    })().then(() => {
      if (this.error || this.destroyedEarly) {
        this.queued = [];
        this.unwritten = 0;
      }
      if (this.unwritten <= SINK_HIGH_WATER_BYTES) this.releaseHeld();
      this.pump();
    });
  }

  private releaseHeld(): void {
    const held = this.held;
    this.held = undefined;
    held?.();
  }

  /** Waits for the writes still queued or running, then flushes and closes the file. */
  private async settleFile(): Promise<void> {
    const handle = await this.opened;
    while (this.writing || this.queued.length > 0) {
      if (!this.writing) this.pump();
      await this.writing;
    }
    if (!handle) throw this.error ?? new Error('the temp file could not be opened');
    try {
      if (this.error) throw this.error;
      await handle.sync();
    } finally {
      await handle.close().catch(() => undefined);
    }
  }

  private keep(buffers: Buffer[]): void {
    if (!this.kept) return;
    for (const b of buffers) {
      if (!this.memory?.take(this.keptLength, b.length)) {
        this.dropKept();
        return;
      }
      this.kept.push(b);
      this.keptLength += b.length;
    }
  }

  private dropKept(): void {
    if (this.kept) this.memory?.give(this.keptLength);
    this.kept = undefined;
    this.keptLength = 0;
  }

  private keepHead(buffers: Buffer[]): void {
    for (const b of buffers) {
      if (this.headLength >= DATASET_HEAD_BYTES) return;
      const skip = Math.min(this.headerLeft, b.length);
      this.headerLeft -= skip;
      const part = b.subarray(skip, skip + DATASET_HEAD_BYTES - this.headLength);
      if (part.length === 0) continue;
      // A view: received chunks are never reused.
      this.headParts.push(part);
      this.headLength += part.length;
    }
  }
}
