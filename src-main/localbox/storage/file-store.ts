/**
 * The DICOM file store: `<data>/dicom/<imageId>` for stored files, `<data>/tmp/` for uploads in flight.
 * A file is written to a temporary name, flushed (fsync), and only renamed into place inside the database
 * transaction that records it (see images/ingest.ts), so a crash leaves either a temp file or an orphan that the
 * start-up reconciliation removes — never a row without its file.
 *
 * Stored files are never written in place: a new version is a new file renamed over the old name, and a delete
 * unlinks the name. Readers therefore open the file once and read everything — size included — from that open
 * descriptor (`openStored`): they see one whole version, never a mix, and a file deleted after the open stays
 * readable until it is closed.
 */
import { randomUUID } from 'node:crypto';
import {
  close,
  closeSync,
  createWriteStream,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { open, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { receiveTemp, UploadMemory } from './receive-temp.js';
import type { ReceivedTemp, UploadMemoryOptions } from './receive-temp.js';

/** A stored file opened for reading, with the size of that very file (not of whatever the name points to now). */
export interface OpenedStoredFile {
  handle: FileHandle;
  size: number;
}

export class FileStore {
  readonly dicomDir: string;
  readonly tmpDir: string;
  /** Bytes of uploads held in memory while they are received and validated (receive-temp.ts). */
  readonly uploadMemory: UploadMemory;

  constructor(dataDir: string, uploadMemory?: UploadMemoryOptions) {
    this.dicomDir = join(dataDir, 'dicom');
    this.tmpDir = join(dataDir, 'tmp');
    mkdirSync(this.dicomDir, { recursive: true });
    mkdirSync(this.tmpDir, { recursive: true });
    this.uploadMemory = new UploadMemory(uploadMemory);
  }

  pathOf(imageId: number): string {
    return join(this.dicomDir, String(imageId));
  }

  /** Streams `source` to a new temporary file and fsyncs it. On failure the temp file is removed. */
  async writeTemp(source: Readable): Promise<string> {
    const path = join(this.tmpDir, `${randomUUID()}.part`);
    try {
      // `flush: true` fsyncs the file before it is closed; pipeline resolves after the close.
      await pipeline(source, createWriteStream(path, { flags: 'wx', flush: true }));
    } catch (e) {
      await rm(path, { force: true });
      throw e;
    }
    return path;
  }

  /**
   * Receives an upload into a new temp file, keeping its bytes in memory when it is small so that it can be
   * validated while the file is written (receive-temp.ts). Nothing may be renamed into place before `written`.
   */
  receiveTemp(source: Readable): Promise<ReceivedTemp> {
    return receiveTemp(source, this.tmpDir, this.uploadMemory);
  }

  async discardTemp(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  /**
   * Moves a temporary file into place as the stored file of `imageId` (replacing an existing one) and makes the
   * rename durable. Synchronous on purpose: it runs inside a better-sqlite3 transaction.
   */
  commitSync(tempPath: string, imageId: number): void {
    this.renameIntoPlaceSync(tempPath, imageId);
    this.syncStoredDirSync();
  }

  /**
   * The rename half of `commitSync`, for group commit (images/ingest.ts): several files are renamed into place
   * inside one transaction, then `syncStoredDirSync` makes all the renames durable at once, before the commit.
   */
  renameIntoPlaceSync(tempPath: string, imageId: number): void {
    renameSync(tempPath, this.pathOf(imageId));
  }

  /**
   * `syncStoredDirSync` on the libuv pool: the directory is opened here and its fsync queued at once, so that it
   * runs while this thread is busy (the commit's own fsync, images/ingest.ts).
   */
  syncStoredDir(): Promise<void> {
    const dir = openSync(this.dicomDir, 'r');
    return new Promise((resolve, reject) => {
      fsync(dir, (error) => {
        close(dir, () => (error ? reject(error) : resolve()));
      });
    });
  }

  /** fsyncs the `dicom/` directory, making every rename into it so far durable. */
  syncStoredDirSync(): void {
    const dir = openSync(this.dicomDir, 'r');
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  /**
   * Opens the stored file of `imageId` and takes its size from the open descriptor. Undefined when there is no
   * such file (never stored, or deleted meanwhile). The caller owns the handle and must close it.
   */
  async openStored(imageId: number): Promise<OpenedStoredFile | undefined> {
    let handle: FileHandle;
    try {
      handle = await open(this.pathOf(imageId), 'r');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const stats = await handle.stat();
      if (!stats.isFile()) {
        await handle.close();
        return undefined;
      }
      return { handle, size: stats.size };
    } catch (e) {
      await handle.close().catch(() => undefined);
      throw e;
    }
  }

  exists(imageId: number): boolean {
    try {
      return statSync(this.pathOf(imageId)).isFile();
    } catch {
      return false;
    }
  }

  removeSync(imageId: number): void {
    rmSync(this.pathOf(imageId), { force: true });
  }

  /** Names of all entries in the dicom folder. */
  listStoredNames(): string[] {
    return readdirSync(this.dicomDir);
  }

  removeStoredName(name: string): void {
    rmSync(join(this.dicomDir, name), { force: true, recursive: true });
  }

  /** Empties the temp folder; returns how many entries were removed. */
  clearTemp(): number {
    const names = readdirSync(this.tmpDir);
    for (const name of names) rmSync(join(this.tmpDir, name), { force: true, recursive: true });
    return names.length;
  }
}
