/**
 * The head of a stored file: its bytes up to the top-level Pixel Data element, which is all that
 * `/attributes` and `/imageinformation` read (issue 9: a 2 GB file must not become a 2 GB buffer).
 *
 * Read like the upload validator reads (dicom/parse.ts): the first 1 MiB, doubled until the stream reader meets a
 * root element at or past (7FE0,0010), finds the data malformed (reading more would change nothing), or the file
 * ends. What is kept in memory is the head, whatever the size of the pixel data; a file whose elements before
 * Pixel Data are themselves huge (a large encapsulated document, no pixel data) is read as far as they go, as its
 * ingest did. A deflated dataset is read whole: it can only be inflated from its start, and its inflated size is
 * bounded by `maxInflatedBytes` (codec/budgets.ts).
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { DicomReadError, readDicom } from '../rendering/dicom-stream-reader.js';
import { FileNotFound } from '../system/errors.js';

const FIRST_READ_BYTES = 1 << 20;
const PIXEL_DATA = 0x7fe00010;
const TRANSFER_SYNTAX_UID = 0x00020010;
const DEFLATED = '1.2.840.10008.1.2.1.99';

/** What a head tells: it holds everything up to Pixel Data; it needs more bytes; or the file must be read whole. */
function scan(head: Uint8Array): 'enough' | 'more' | 'whole' {
  let deflated = false;
  let reached = false;
  try {
    readDicom(head, {
      header(h) {
        if (h.tag === TRANSFER_SYNTAX_UID) return undefined;
        if (h.path.length === 0 && h.tag >= PIXEL_DATA) {
          reached = true;
          return 'stop';
        }
        return 'skip';
      },
      element(h, value) {
        if (h.tag === TRANSFER_SYNTAX_UID)
          deflated =
            Buffer.from(value)
              .toString('latin1')
              .replace(/[\0 ]+$/, '') === DEFLATED;
      },
      // A deflated dataset is not inflated here (a partial stream cannot be).
      elementEnd: (h) => (h.tag === TRANSFER_SYNTAX_UID && deflated ? 'stop' : undefined),
    });
  } catch (e) {
    if (e instanceof DicomReadError && e.truncated) return 'more';
    // Malformed before the end of the head: the readers fail at the same place on this head as on the file.
    return 'enough';
  }
  if (deflated) return 'whole';
  return reached ? 'enough' : 'more';
}

async function readAt(fh: FileHandle, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** The bytes of the stored file at `path` up to its top-level Pixel Data (all of it when it must be). */
export async function readStoredHead(
  path: string,
  firstRead = FIRST_READ_BYTES,
): Promise<Uint8Array> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new FileNotFound(path);
    throw e;
  }
  try {
    const { size } = await fh.stat();
    let length = Math.min(size, Math.max(1, firstRead));
    for (;;) {
      const head = await readAt(fh, length);
      if (head.length < length || length >= size) return head;
      const verdict = scan(head);
      if (verdict === 'enough') return head;
      length = verdict === 'whole' ? size : Math.min(size, length * 2);
    }
  } finally {
    await fh.close();
  }
}
