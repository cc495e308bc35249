/**
 * A streaming ZIP writer for STORED entries read from files (the export archive, export-zip.ts), written for
 * speed: CRC-32 by Node's native `zlib.crc32`, each file read with few large reads straight into the buffer that
 * is sent (behind room for its local header: one write per entry), and up to four files read ahead while the
 * current one is being sent (none started while 16 MiB of read files wait). `writeStoredZip` writes to an HTTP
 * response and gives each file's buffer back in its write callback, for a later file (read-buffers.ts).
 *
 * Format (PKWARE APPNOTE 6.3.x): local header, file data, … central directory, end of central directory. Names
 * are UTF-8 (general purpose bit 11). A file up to `wholeFileBytes` (8 MiB) is read whole first, so its local
 * header carries its CRC and sizes; a larger one is streamed in 1 MiB reads after a local header with bit 3 set
 * and is followed by a data descriptor. ZIP64 is used where a value does not fit: a size or offset of 4 GiB or
 * more (zip64 extended information, 8-byte data descriptor sizes) and 65,535 entries or more (zip64 end of
 * central directory record and locator).
 *
 * Each entry is read through ONE descriptor, its size taken from that descriptor (fstat): it is one whole
 * version of the file even if the name is replaced meanwhile. A file that cannot be opened or read, or whose
 * length differs from its size, fails the stream (the client gets a truncated download, never a silently
 * incomplete archive). If the consumer goes away, open files are closed.
 */
import { close as closeCallback, fstat, open as openCallback, read as readCallback } from 'node:fs';
import type { Writable } from 'node:stream';
import { crc32 } from 'node:zlib';
import { ReadBuffers } from './read-buffers.js';

export interface ZipFileEntry {
  /** The entry name (path inside the archive, `/`-separated). */
  name: string;
  /** The file to store. */
  path: string;
}

export interface ZipWriterOptions {
  /** Files up to this size are read whole before their header is written (default 8 MiB). */
  wholeFileBytes?: number;
  /** Sizes and offsets from this value on are written as ZIP64 (default 0xFFFFFFFF; lower only in tests). */
  zip64From?: number;
  /** Entry counts from this value on get the ZIP64 end records (default 0xFFFF; lower only in tests). */
  zip64EntriesFrom?: number;
  /** The entries' modification time (default: now). */
  mtime?: Date;
}

const WHOLE_FILE_BYTES = 8 * 1024 * 1024;
const STREAM_READ_BYTES = 1024 * 1024;
const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Made by: UNIX (3), specification 6.3 (63), as yazl writes. */
const VERSION_MADE_BY = (3 << 8) | 63;
const VERSION_PLAIN = 20;
const VERSION_ZIP64 = 45;
const FLAG_UTF8 = 0x0800;
const FLAG_DATA_DESCRIPTOR = 0x0008;
/** Regular file, rw-rw-r--, in the high half of the external attributes (UNIX). */
const EXTERNAL_ATTRIBUTES = (0o100664 << 16) >>> 0;

interface CentralRecord {
  name: Buffer;
  flags: number;
  crc: number;
  size: number;
  offset: number;
}

/** DOS date and time (local time, 2-second resolution). */
function dosDateTime(d: Date): { date: number; time: number } {
  const year = Math.min(Math.max(d.getFullYear(), 1980), 2107);
  return {
    date: ((year - 1980) << 9) | ((d.getMonth() + 1) << 5) | d.getDate(),
    time: (d.getHours() << 11) | (d.getMinutes() << 5) | Math.floor(d.getSeconds() / 2),
  };
}

function writeU64(buf: Buffer, value: number, at: number): void {
  buf.writeBigUInt64LE(BigInt(value), at);
}

/** A zip64 extended information extra field with the given 8-byte values. */
function zip64Extra(values: readonly number[]): Buffer {
  const extra = Buffer.alloc(4 + 8 * values.length);
  extra.writeUInt16LE(0x0001, 0);
  extra.writeUInt16LE(8 * values.length, 2);
  values.forEach((v, i) => writeU64(extra, v, 4 + 8 * i));
  return extra;
}

/**
 * A file opened for reading. Callback `fs` on a plain descriptor rather than `fs/promises`' FileHandle: the four
 * operations per entry (open, fstat, read, close) cost the event loop about a third less each.
 */
interface Opened {
  fd: number;
  size: number;
}

function openFd(path: string): Promise<number> {
  return new Promise((resolve, reject) =>
    openCallback(path, 'r', (e, fd) => (e ? reject(e) : resolve(fd))),
  );
}

function sizeOf(fd: number): Promise<number> {
  return new Promise((resolve, reject) => fstat(fd, (e, st) => (e ? reject(e) : resolve(st.size))));
}

function readAt(
  fd: number,
  buf: Buffer,
  at: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    readCallback(fd, buf, at, length, position, (e, n) => (e ? reject(e) : resolve(n))),
  );
}

/** Closes the descriptor (a failing close is ignored: the file was only read). */
function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => closeCallback(fd, () => resolve()));
}

async function openEntry(path: string): Promise<Opened> {
  const fd = await openFd(path);
  try {
    return { fd, size: await sizeOf(fd) };
  } catch (e) {
    await closeFd(fd);
    throw e;
  }
}

/** Reads the file's first `length` bytes into `buf` at `at` (few large reads); fails if short. */
async function readInto(
  fd: number,
  buf: Buffer,
  at: number,
  length: number,
  path: string,
): Promise<void> {
  let done = 0;
  while (done < length) {
    const bytesRead = await readAt(fd, buf, at + done, length - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  if (done !== length) throw new Error(`${path} ended after ${done} of ${length} bytes`);
}

/**
 * A file read whole, in one buffer that starts with its local header (one write per entry, no copy), or opened
 * to be streamed.
 */
type Prepared =
  | { kind: 'whole'; bytes: Buffer; release: () => void; crc: number; size: number }
  | { kind: 'stream'; opened: Opened };

interface EntryFormat {
  wholeFileBytes: number;
  zip64From: number;
  date: number;
  time: number;
  buffers: ReadBuffers;
}

/** Bytes of the archive, with how to give their buffer back once they have been written (`ReadBuffers`). */
interface ZipChunk {
  bytes: Buffer;
  release?: () => void;
}

async function prepare(entry: ZipFileEntry, f: EntryFormat): Promise<Prepared> {
  const opened = await openEntry(entry.path);
  if (opened.size > f.wholeFileBytes) return { kind: 'stream', opened };
  try {
    const { size } = opened;
    const name = Buffer.from(entry.name, 'utf8');
    const big = size >= f.zip64From;
    const extra = big ? zip64Extra([size, size]) : Buffer.alloc(0);
    const headerLength = 30 + name.length + extra.length;
    const { bytes, release } = f.buffers.take(headerLength + size);
    await readInto(opened.fd, bytes, headerLength, size, entry.path);
    const crc = crc32(bytes.subarray(headerLength));
    writeLocalHeader(bytes, name, extra, FLAG_UTF8, crc, big ? U32_MAX : size, {
      date: f.date,
      time: f.time,
      version: big ? VERSION_ZIP64 : VERSION_PLAIN,
    });
    return { kind: 'whole', bytes, release, crc, size };
  } finally {
    await closeFd(opened.fd);
  }
}

/**
 * How many files are read ahead of the one being sent, and the bytes of read files waiting above which no
 * further one is started (at worst READ_AHEAD_FILES whole files of up to `wholeFileBytes` each).
 */
const READ_AHEAD_FILES = 4;
const READ_AHEAD_BYTES = 16 * 1024 * 1024;

/**
 * Entries prepared in order, up to READ_AHEAD_FILES ahead and (counting the files already read) about
 * READ_AHEAD_BYTES, so reading from disk overlaps sending. `close()` closes files opened ahead.
 */
class ReadAhead {
  private readonly queue: { prepared: Promise<Prepared>; bytes: number }[] = [];
  private nextIndex = 0;
  private heldBytes = 0;
  private closed = false;

  constructor(
    private readonly entries: readonly ZipFileEntry[],
    private readonly format: EntryFormat,
  ) {
    this.fill();
  }

  private fill(): void {
    while (
      !this.closed &&
      this.queue.length < READ_AHEAD_FILES &&
      this.heldBytes < READ_AHEAD_BYTES &&
      this.nextIndex < this.entries.length
    ) {
      const slot = {
        prepared: prepare(this.entries[this.nextIndex++] as ZipFileEntry, this.format),
        bytes: 0,
      };
      this.queue.push(slot);
      slot.prepared.then(
        (p) => {
          if (p.kind !== 'whole' || !this.queue.includes(slot)) return;
          slot.bytes = p.bytes.length;
          this.heldBytes += slot.bytes;
        },
        () => undefined, // observed when awaited; never unhandled if the stream ends first
      );
    }
  }

  /** The next entry (in order); the caller owns it (closes a streamed one). */
  next(): Promise<Prepared> {
    const slot = this.queue.shift();
    if (!slot) return Promise.reject(new Error('no more entries'));
    return slot.prepared.then(
      (p) => {
        this.heldBytes -= slot.bytes;
        this.fill();
        return p;
      },
      (e: unknown) => {
        this.close();
        throw e;
      },
    );
  }

  close(): void {
    this.closed = true;
    for (const slot of this.queue.splice(0)) {
      void slot.prepared.then(
        (p) => (p.kind === 'stream' ? closeFd(p.opened.fd) : undefined),
        () => undefined,
      );
    }
  }
}

/** The archive's bytes, entry by entry. */
async function* zipChunks(
  entries: readonly ZipFileEntry[],
  options: ZipWriterOptions,
  buffers: ReadBuffers,
): AsyncGenerator<ZipChunk> {
  const wholeFileBytes = options.wholeFileBytes ?? WHOLE_FILE_BYTES;
  const zip64From = Math.min(options.zip64From ?? U32_MAX, U32_MAX);
  const zip64EntriesFrom = Math.min(options.zip64EntriesFrom ?? U16_MAX, U16_MAX);
  const { date, time } = dosDateTime(options.mtime ?? new Date());
  const central: CentralRecord[] = [];
  let offset = 0;
  const ahead = new ReadAhead(entries, { wholeFileBytes, zip64From, date, time, buffers });
  try {
    for (const entry of entries) {
      const current = await ahead.next();
      const name = Buffer.from(entry.name, 'utf8');
      if (current.kind === 'whole') {
        central.push({ name, flags: FLAG_UTF8, crc: current.crc, size: current.size, offset });
        offset += current.bytes.length;
        yield { bytes: current.bytes, release: current.release };
      } else {
        const { fd, size } = current.opened;
        try {
          const big = size >= zip64From;
          const flags = FLAG_UTF8 | FLAG_DATA_DESCRIPTOR;
          const extra = big ? zip64Extra([0, 0]) : Buffer.alloc(0);
          const header = Buffer.allocUnsafe(30 + name.length + extra.length);
          writeLocalHeader(header, name, extra, flags, 0, 0, {
            date,
            time,
            version: big ? VERSION_ZIP64 : VERSION_PLAIN,
          });
          const entryOffset = offset;
          offset += header.length;
          yield { bytes: header };
          let crc = 0;
          let done = 0;
          while (done < size) {
            const { bytes: chunk, release } = buffers.take(
              Math.min(STREAM_READ_BYTES, size - done),
            );
            const bytesRead = await readAt(fd, chunk, 0, chunk.length, done);
            if (bytesRead === 0) break;
            const part = bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead);
            crc = crc32(part, crc);
            done += bytesRead;
            offset += bytesRead;
            yield { bytes: part, release };
          }
          if (done !== size) throw new Error(`${entry.path} ended after ${done} of ${size} bytes`);
          const descriptor = dataDescriptor(crc, size, big);
          offset += descriptor.length;
          yield { bytes: descriptor };
          central.push({ name, flags, crc, size, offset: entryOffset });
        } finally {
          await closeFd(fd);
        }
      }
    }
    for (const bytes of endRecords(central, offset, { date, time, zip64From, zip64EntriesFrom }))
      yield { bytes };
  } finally {
    // The consumer went away (or a read failed): close the files opened ahead.
    ahead.close();
  }
}

/** Writes a local header at the start of `h` (which has room for it). */
function writeLocalHeader(
  h: Buffer,
  name: Buffer,
  extra: Buffer,
  flags: number,
  crc: number,
  size: number,
  at: { date: number; time: number; version: number },
): void {
  h.writeUInt32LE(0x04034b50, 0);
  h.writeUInt16LE(at.version, 4);
  h.writeUInt16LE(flags, 6);
  h.writeUInt16LE(0, 8); // stored
  h.writeUInt16LE(at.time, 10);
  h.writeUInt16LE(at.date, 12);
  h.writeUInt32LE(crc >>> 0, 14);
  h.writeUInt32LE(size, 18); // compressed = uncompressed (stored)
  h.writeUInt32LE(size, 22);
  h.writeUInt16LE(name.length, 26);
  h.writeUInt16LE(extra.length, 28);
  name.copy(h, 30);
  extra.copy(h, 30 + name.length);
}

function dataDescriptor(crc: number, size: number, zip64: boolean): Buffer {
  const d = Buffer.alloc(zip64 ? 24 : 16);
  d.writeUInt32LE(0x08074b50, 0);
  d.writeUInt32LE(crc >>> 0, 4);
  if (zip64) {
    writeU64(d, size, 8);
    writeU64(d, size, 16);
  } else {
    d.writeUInt32LE(size, 8);
    d.writeUInt32LE(size, 12);
  }
  return d;
}

function* endRecords(
  central: readonly CentralRecord[],
  cdOffset: number,
  at: { date: number; time: number; zip64From: number; zip64EntriesFrom: number },
): Generator<Buffer> {
  let cdSize = 0;
  const parts: Buffer[] = [];
  for (const r of central) {
    // Values that do not fit go to the zip64 extra field, in this order: sizes, then the offset.
    const wide: number[] = [];
    if (r.size >= at.zip64From) wide.push(r.size, r.size);
    if (r.offset >= at.zip64From) wide.push(r.offset);
    const extra = wide.length > 0 ? zip64Extra(wide) : Buffer.alloc(0);
    const h = Buffer.alloc(46 + r.name.length + extra.length);
    h.writeUInt32LE(0x02014b50, 0);
    h.writeUInt16LE(VERSION_MADE_BY, 4);
    h.writeUInt16LE(wide.length > 0 ? VERSION_ZIP64 : VERSION_PLAIN, 6);
    h.writeUInt16LE(r.flags, 8);
    h.writeUInt16LE(0, 10);
    h.writeUInt16LE(at.time, 12);
    h.writeUInt16LE(at.date, 14);
    h.writeUInt32LE(r.crc >>> 0, 16);
    const size = r.size >= at.zip64From ? U32_MAX : r.size;
    h.writeUInt32LE(size, 20);
    h.writeUInt32LE(size, 24);
    h.writeUInt16LE(r.name.length, 28);
    h.writeUInt16LE(extra.length, 30);
    h.writeUInt16LE(0, 32); // comment
    h.writeUInt16LE(0, 34); // disk
    h.writeUInt16LE(0, 36); // internal attributes
    h.writeUInt32LE(EXTERNAL_ATTRIBUTES, 38);
    h.writeUInt32LE(r.offset >= at.zip64From ? U32_MAX : r.offset, 42);
    r.name.copy(h, 46);
    extra.copy(h, 46 + r.name.length);
    parts.push(h);
    cdSize += h.length;
    if (parts.length >= 256) yield Buffer.concat(parts.splice(0));
  }
  if (parts.length > 0) yield Buffer.concat(parts);
  const count = central.length;
  const zip64 = count >= at.zip64EntriesFrom || cdSize >= at.zip64From || cdOffset >= at.zip64From;
  if (zip64) {
    const record = Buffer.alloc(56);
    record.writeUInt32LE(0x06064b50, 0);
    writeU64(record, 44, 4); // size of the rest of this record
    record.writeUInt16LE(VERSION_MADE_BY, 12);
    record.writeUInt16LE(VERSION_ZIP64, 14);
    record.writeUInt32LE(0, 16); // this disk
    record.writeUInt32LE(0, 20); // disk with the central directory
    writeU64(record, count, 24);
    writeU64(record, count, 32);
    writeU64(record, cdSize, 40);
    writeU64(record, cdOffset, 48);
    const locator = Buffer.alloc(20);
    locator.writeUInt32LE(0x07064b50, 0);
    locator.writeUInt32LE(0, 4);
    writeU64(locator, cdOffset + cdSize, 8);
    locator.writeUInt32LE(1, 16); // total disks
    yield Buffer.concat([record, locator]);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(zip64 ? U16_MAX : count, 8);
  end.writeUInt16LE(zip64 ? U16_MAX : count, 10);
  end.writeUInt32LE(zip64 ? U32_MAX : cdSize, 12);
  end.writeUInt32LE(zip64 ? U32_MAX : cdOffset, 16);
  end.writeUInt16LE(0, 20); // comment
  yield end;
}

/**
 * Refuses a name that could escape the extraction folder or that readers disagree on: empty, absolute (`/…`,
 * `C:…`), with a backslash, an empty, `.` or `..` segment, or longer than 65,535 bytes (as yazl refused them).
 */
export function checkEntryName(name: string): void {
  const why =
    name === ''
      ? 'empty'
      : /^[a-zA-Z]:/.test(name) || name.startsWith('/')
        ? 'absolute'
        : name.includes('\\')
          ? 'contains a backslash'
          : name.split('/').some((s) => s === '' || s === '.' || s === '..')
            ? 'has an empty, "." or ".." segment'
            : Buffer.byteLength(name, 'utf8') > U16_MAX
              ? 'too long'
              : undefined;
  if (why) throw new Error(`invalid ZIP entry name (${why}): ${JSON.stringify(name)}`);
}

/**
 * Writes the archive of `entries` to `sink` (an HTTP response), waiting for 'drain' when it asks to. Each file's
 * buffer is given back in its write callback, once the socket has taken the bytes, and serves a later file
 * (`ReadBuffers`). Rejects when a file cannot be read (the caller then destroys the sink: a truncated download,
 * never a silently incomplete archive) or when the sink closes or fails first; files opened ahead are closed
 * either way. Does not end the sink. Invalid entry names throw before any byte.
 */
export async function writeStoredZip(
  entries: readonly ZipFileEntry[],
  sink: Writable,
  options: ZipWriterOptions = {},
): Promise<void> {
  for (const e of entries) checkEntryName(e.name);
  let gone: Error | undefined;
  let wake: (() => void) | undefined;
  const onGone = (e?: Error): void => {
    gone ??= e ?? new Error('the client closed the connection before the archive was written');
    wake?.();
  };
  const onDrain = (): void => wake?.();
  const onError = (e: Error): void => onGone(e);
  const onClose = (): void => onGone();
  sink.on('drain', onDrain);
  sink.on('error', onError);
  sink.on('close', onClose);
  try {
    for await (const { bytes, release } of zipChunks(entries, options, new ReadBuffers())) {
      if (gone) throw gone;
      const ready = sink.write(bytes, release);
      if (!ready && !gone) await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
    if (gone) throw gone;
  } finally {
    sink.off('drain', onDrain);
    sink.off('error', onError);
    sink.off('close', onClose);
  }
}
