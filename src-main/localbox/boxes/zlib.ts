/**
 * Box transfer bodies: DICOM files compressed with deflate in the zlib container (RFC 1950), as Java's
 * `Deflater` and Node's `zlib.deflate` produce by default (BEHAVIOR.md §13.2).
 *
 * A received body is inflated as a stream into a temp file, cut at a ceiling (`maxImageBytes` of the box options,
 * 2 GiB by default): a small deflate bomb must not fill the disk (issue 9). Nothing beyond the ceiling is written,
 * and the temp file is removed.
 */
import { Transform } from 'node:stream';
import type { Readable, TransformCallback } from 'node:stream';
import { promisify } from 'node:util';
import { createInflate, deflate } from 'node:zlib';
import { DicomError } from '../dicom/errors.js';
import type { FileStore } from '../storage/file-store.js';

const deflateAsync = promisify(deflate);

/** Compresses in the thread pool (large images do not block the event loop). */
export async function zlibDeflate(data: Uint8Array): Promise<Buffer> {
  return deflateAsync(data);
}

function size(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

/** A transfer body that inflates to more than the ceiling: the image is refused as data (400 on the passive side). */
export class InflatedImageTooLarge extends DicomError {
  override readonly name: string = 'InflatedImageTooLarge';
  constructor(readonly maxBytes: number) {
    super(`the inflated image is larger than the limit of ${size(maxBytes)} for box transfers`);
  }
}

/** Passes bytes through until more than `maxBytes` went by, then fails (the rest is never passed on). */
class Ceiling extends Transform {
  private total = 0;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.total += chunk.length;
    if (this.total > this.maxBytes) callback(new InflatedImageTooLarge(this.maxBytes));
    else callback(null, chunk);
  }
}

/**
 * Inflates a zlib stream into a new temp file of the store (bounded memory), at most `maxBytes` of it; the temp
 * file is removed on failure (bad compressed data: zlib's error; over the ceiling: InflatedImageTooLarge).
 */
export async function inflateToTemp(
  files: FileStore,
  source: Readable,
  maxBytes: number,
): Promise<string> {
  const inflate = createInflate();
  const ceiling = new Ceiling(maxBytes);
  source.once('error', (e) => inflate.destroy(e));
  inflate.once('error', (e) => ceiling.destroy(e));
  source.pipe(inflate).pipe(ceiling);
  try {
    return await files.writeTemp(ceiling);
  } finally {
    // Stop inflating whatever is left (a bomb's remaining output, or a body still arriving).
    source.unpipe(inflate);
    inflate.destroy();
  }
}

/** True for errors raised by zlib on bad compressed data. */
export function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
