/** Shared test data access and small DICOM byte builders for the rendering tests. */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { readDicom } from '../../src-main/localbox/rendering/dicom-stream-reader.js';

export const TESTDATA = '/work/shared/testdata/dicom';

export function testFile(name: string): Buffer {
  return readFileSync(join(TESTDATA, name));
}

/** Every shared `.dcm` file, relative to TESTDATA. */
export function allTestFiles(): string[] {
  return [
    ...readdirSync(TESTDATA).filter((f) => f.endsWith('.dcm')),
    ...readdirSync(join(TESTDATA, 'pydicom'))
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => `pydicom/${f}`),
    ...readdirSync(join(TESTDATA, 'pydicom/derived'))
      .filter((f) => f.endsWith('.dcm'))
      .map((f) => `pydicom/derived/${f}`),
  ].sort();
}

export function decodePng(bytes: Buffer): PNG {
  return PNG.sync.read(bytes);
}

/** Number of distinct grey levels (R channel of the decoded RGBA). */
export function greyLevels(png: PNG): number {
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add(png.data[i] as number);
  return seen.size;
}

/** Replaces every occurrence of an ASCII string by another of the same length. */
export function replaceAscii(bytes: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('same length only');
  const out = Buffer.from(bytes);
  let at = out.indexOf(from, 0, 'latin1');
  while (at >= 0) {
    out.write(to, at, 'latin1');
    at = out.indexOf(from, at + 1, 'latin1');
  }
  return out;
}

/**
 * A 512×512 16-bit CT made from CT_small.dcm (128×128, Explicit VR LE) by 4× nearest-neighbour upscaling:
 * Rows/Columns patched in place, Pixel Data replaced.
 */
export function upscaledCt(factor = 4): Buffer {
  const src = testFile('pydicom/CT_small.dcm');
  const offsets = new Map<number, { at: number; length: number }>();
  readDicom(src, {
    element(h, value) {
      if (h.path.length === 0)
        offsets.set(h.tag, { at: value.byteOffset - src.byteOffset, length: value.length });
    },
  });
  const rows = offsets.get(0x00280010);
  const cols = offsets.get(0x00280011);
  const pixels = offsets.get(0x7fe00010);
  if (!rows || !cols || !pixels) throw new Error('CT_small layout not as expected');
  const w = src.readUInt16LE(cols.at);
  const h = src.readUInt16LE(rows.at);
  const W = w * factor;
  const H = h * factor;
  const big = Buffer.alloc(W * H * 2);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const s = pixels.at + (Math.floor(y / factor) * w + Math.floor(x / factor)) * 2;
      big.writeUInt16LE(src.readUInt16LE(s), (y * W + x) * 2);
    }
  }
  const head = Buffer.from(src.subarray(0, pixels.at));
  head.writeUInt16LE(H, rows.at);
  head.writeUInt16LE(W, cols.at);
  head.writeUInt32LE(big.length, pixels.at - 4);
  return Buffer.concat([head, big, src.subarray(pixels.at + pixels.length)]);
}

/** Builds Explicit VR Little Endian element bytes. */
export class ExplicitLeBuilder {
  private parts: Buffer[] = [];

  private tag(tag: number): Buffer {
    const b = Buffer.alloc(4);
    b.writeUInt16LE(tag >>> 16, 0);
    b.writeUInt16LE(tag & 0xffff, 2);
    return b;
  }

  element(tag: number, vr: string, value: Buffer): this {
    const long = [
      'OB',
      'OW',
      'OF',
      'SQ',
      'UN',
      'UT',
      'UC',
      'UR',
      'OD',
      'OL',
      'OV',
      'SV',
      'UV',
    ].includes(vr);
    const header = Buffer.alloc(long ? 8 : 4);
    header.write(vr, 0, 'latin1');
    if (long) header.writeUInt32LE(value.length, 4);
    else header.writeUInt16LE(value.length, 2);
    this.parts.push(this.tag(tag), header, value);
    return this;
  }

  text(tag: number, vr: string, s: string): this {
    const b = Buffer.from(s.length % 2 ? `${s} ` : s, 'latin1');
    return this.element(tag, vr, b);
  }

  /** Raw header with undefined length (SQ or encapsulated OB). */
  undefinedLength(tag: number, vr: string): this {
    const header = Buffer.alloc(8);
    header.write(vr, 0, 'latin1');
    header.writeUInt32LE(0xffffffff, 4);
    this.parts.push(this.tag(tag), header);
    return this;
  }

  /** Item / delimiter / fragment: tag + 4-byte length (+ data). */
  item(tag: number, length: number, data?: Buffer): this {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(length >>> 0, 0);
    this.parts.push(this.tag(tag), b);
    if (data) this.parts.push(data);
    return this;
  }

  /** A Part-10 file: preamble, DICM, minimal meta (Explicit VR LE), then the dataset built so far. */
  file(transferSyntax = '1.2.840.10008.1.2.1'): Buffer {
    const ts = Buffer.from(transferSyntax + (transferSyntax.length % 2 ? '\0' : ''), 'latin1');
    const meta = new ExplicitLeBuilder().element(0x00020010, 'UI', ts).bytes();
    const groupLength = new ExplicitLeBuilder().element(0x00020000, 'UL', u32(meta.length)).bytes();
    return Buffer.concat([
      Buffer.alloc(128),
      Buffer.from('DICM', 'latin1'),
      groupLength,
      meta,
      this.bytes(),
    ]);
  }

  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0, 0);
  return b;
}

export function u16(...ns: number[]): Buffer {
  const b = Buffer.alloc(2 * ns.length);
  ns.forEach((n, i) => b.writeUInt16LE(n, i * 2));
  return b;
}
