/**
 * Bilinear resampling of an 8-bit interleaved image (1 or 3 channels), sample centres aligned as Java2D's
 * AffineTransformOp(TYPE_BILINEAR) does: output pixel x samples source x' = (x + 0.5) · w/W − 0.5, clamped.
 */
export interface Raster {
  width: number;
  height: number;
  channels: number;
  data: Uint8Array;
}

/** Width for a new height, proportional and truncated to an integer (at least 1). */
export function proportionalWidth(width: number, height: number, newHeight: number): number {
  return Math.max(1, Math.trunc((width * newHeight) / height));
}

function axis(
  outSize: number,
  inSize: number,
): { i0: Int32Array; i1: Int32Array; f: Float32Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const f = new Float32Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const s = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1);
    const lo = Math.floor(s);
    i0[o] = lo;
    i1[o] = Math.min(lo + 1, inSize - 1);
    f[o] = s - lo;
  }
  return { i0, i1, f };
}

export function scaleBilinear(src: Raster, width: number, height: number): Raster {
  const { channels: c, data } = src;
  const out = new Uint8Array(width * height * c);
  const xs = axis(width, src.width);
  const ys = axis(height, src.height);
  const rowStride = src.width * c;
  for (let y = 0; y < height; y++) {
    const r0 = (ys.i0[y] as number) * rowStride;
    const r1 = (ys.i1[y] as number) * rowStride;
    const fy = ys.f[y] as number;
    for (let x = 0; x < width; x++) {
      const c0 = (xs.i0[x] as number) * c;
      const c1 = (xs.i1[x] as number) * c;
      const fx = xs.f[x] as number;
      const o = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const top = (data[r0 + c0 + k] as number) * (1 - fx) + (data[r0 + c1 + k] as number) * fx;
        const bottom =
          (data[r1 + c0 + k] as number) * (1 - fx) + (data[r1 + c1 + k] as number) * fx;
        out[o + k] = Math.round(top * (1 - fy) + bottom * fy);
      }
    }
  }
  return { width, height, channels: c, data: out };
}
