/**
 * Minimal JPEG header reader for `POST /images/jpeg` (BEHAVIOR.md §10.10): checks the SOI marker and walks the
 * marker segments up to Start Of Scan, reading the frame header (SOF) on the way.
 */
import { InvalidArgument } from '../system/errors.js';

export interface JpegHeader {
  /** SOF marker code (0xC0 = baseline). */
  sof: number;
  /** Sample precision in bits. */
  precision: number;
  rows: number;
  columns: number;
  components: number;
}

const NOT_A_JPEG = 'Not a JPEG image';

function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

/** Reads the frame header; InvalidArgument (400) if the bytes are not a JPEG with a SOF before its SOS. */
export function readJpegHeader(bytes: Uint8Array): JpegHeader {
  if (bytes.length < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8 || bytes[2] !== 0xff)
    throw new InvalidArgument(`${NOT_A_JPEG}: no SOI marker`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: JpegHeader | undefined;
  let pos = 2;
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) throw new InvalidArgument(`${NOT_A_JPEG}: bad marker at ${pos}`);
    while (pos < bytes.length && bytes[pos] === 0xff) pos++; // fill bytes
    const marker = bytes[pos++];
    if (marker === undefined) break;
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) continue; // no length
    if (marker === 0xd9) break; // EOI before SOS
    if (pos + 2 > bytes.length) break;
    const length = view.getUint16(pos);
    if (length < 2 || pos + length > bytes.length)
      throw new InvalidArgument(`${NOT_A_JPEG}: truncated segment at ${pos}`);
    if (isSof(marker)) {
      if (length < 8) throw new InvalidArgument(`${NOT_A_JPEG}: short frame header`);
      header = {
        sof: marker,
        precision: view.getUint8(pos + 2),
        rows: view.getUint16(pos + 3),
        columns: view.getUint16(pos + 5),
        components: view.getUint8(pos + 7),
      };
    }
    if (marker === 0xda) {
      if (!header) throw new InvalidArgument(`${NOT_A_JPEG}: no frame header before the scan`);
      return header;
    }
    pos += length;
  }
  throw new InvalidArgument(`${NOT_A_JPEG}: no ${header ? 'start of scan' : 'frame header'}`);
}
