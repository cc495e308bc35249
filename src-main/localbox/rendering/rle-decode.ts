/**
 * DICOM RLE Lossless decoding (PS3.5 Annex G), done here because dcmjs-imaging 0.2.5 returns colour RLE
 * frames plane by plane and then reads them as interleaved pixels: SC_rgb_rle_2frame.dcm came out as grey
 * stripes instead of its red/green/blue bars. Greyscale RLE is unaffected, but one decoder for both keeps
 * the path simple. Output is native little-endian, interleaved samples (Planar Configuration 0).
 */
export interface RleFrameLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

/** Decodes one PackBits segment into `out` (exactly `out.length` bytes are expected). */
function unpackSegment(src: Uint8Array, start: number, end: number, out: Uint8Array): void {
  let i = start;
  let o = 0;
  while (i < end && o < out.length) {
    const n = src[i++] as number;
    if (n < 128) {
      const count = Math.min(n + 1, end - i, out.length - o);
      out.set(src.subarray(i, i + count), o);
      i += n + 1;
      o += count;
    } else if (n > 128) {
      const count = Math.min(257 - n, out.length - o);
      out.fill(src[i] as number, o, o + count);
      i += 1;
      o += count;
    }
    // n === 128: no operation
  }
  if (o < out.length) throw new Error(`RLE segment decodes to ${o} bytes, ${out.length} expected`);
}

export function decodeRleFrame(frame: Uint8Array, layout: RleFrameLayout): Uint8Array {
  const bytesPerSample = Math.ceil(layout.bitsAllocated / 8);
  const pixels = layout.rows * layout.columns;
  const expectedSegments = layout.samplesPerPixel * bytesPerSample;
  if (frame.length < 64) throw new Error('RLE frame shorter than its header');
  const header = new DataView(frame.buffer, frame.byteOffset, 64);
  const segments = header.getUint32(0, true);
  if (segments !== expectedSegments) {
    throw new Error(`RLE frame has ${segments} segments, ${expectedSegments} expected`);
  }
  const out = new Uint8Array(pixels * expectedSegments);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = header.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? header.getUint32(8 + 4 * s, true) : frame.length;
    if (start < 64 || end > frame.length || start > end)
      throw new Error('RLE segment offsets out of range');
    unpackSegment(frame, start, end, plane);
    // Segment order: sample by sample, most significant byte first.
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = expectedSegments;
    const offset = sample * bytesPerSample + byteInSample;
    for (let p = 0; p < pixels; p++) out[p * stride + offset] = plane[p] as number;
  }
  return out;
}
