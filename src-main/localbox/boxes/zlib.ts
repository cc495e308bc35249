/**
 * Box transfer bodies: DICOM files compressed with deflate in the zlib container (RFC 1950), as Java's
 * `Deflater` and Node's `zlib.deflate` produce by default (BEHAVIOR.md §13.2).
 */
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { createInflate, deflate } from 'node:zlib';
import type { FileStore } from '../storage/file-store.js';

const deflateAsync = promisify(deflate);

/** Compresses in the thread pool (large images do not block the event loop). */
export async function zlibDeflate(data: Uint8Array): Promise<Buffer> {
  return deflateAsync(data);
}

/** Inflates a zlib stream into a new temp file of the store (bounded memory); the temp file is removed on failure. */
export function inflateToTemp(files: FileStore, source: Readable): Promise<string> {
  const inflate = createInflate();
  source.once('error', (e) => inflate.destroy(e));
  source.pipe(inflate);
  return files.writeTemp(inflate);
}

/** True for errors raised by zlib on bad compressed data. */
export function isZlibError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}
