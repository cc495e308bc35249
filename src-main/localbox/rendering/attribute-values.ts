/**
 * Value rendering for `/attributes` (BEHAVIOR §10.5): text split on `\` and trimmed, decoded with the
 * Specific Character Set; numbers as decimal strings; AT as `(GGGG,EEEE)`; binary values longer than
 * 20 bytes as `< Binary data >`, shorter ones as space-separated upper-case hex (bytes for OB/UN, words of
 * the VR's width for OW/OF/OL/OD/OV); an empty value gives `[]`.
 */
import { decodeText } from '../dicom/charset.js';
import { formatTag } from './dictionary.js';

export const BINARY_DATA = '< Binary data >';
export const FRAGMENTS = '< Fragments >';
const SHORT_BINARY_LIMIT = 20;

/** VRs whose text is decoded with the Specific Character Set (PS3.5 §6.1.2.3); others are ASCII. */
const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'PN', 'UC', 'UT']);
/** Text VRs that hold one value, so a backslash is text, not a delimiter. */
const SINGLE_VALUE_TEXT_VRS = new Set(['ST', 'LT', 'UT', 'UR']);
const TEXT_VRS = new Set([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);
/** Binary VRs → width in bytes of one hex group. */
const BINARY_WIDTH: Record<string, number> = { OB: 1, UN: 1, OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

function trimValue(s: string): string {
  return s.replace(/^[\s\0]+|[\s\0]+$/g, '');
}

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** Shortest decimal string that reads back as the same float32 (Java's `Float.toString` spirit). */
function formatFloat32(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  for (let p = 1; p <= 9; p++) {
    const s = Number(v.toPrecision(p));
    if (Math.fround(s) === v) return String(s);
  }
  return String(v);
}

function numbers(vr: string, bytes: Uint8Array, bigEndian: boolean): string[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = !bigEndian;
  const out: string[] = [];
  const each = (size: number, read: (offset: number) => string): string[] => {
    for (let o = 0; o + size <= bytes.length; o += size) out.push(read(o));
    return out;
  };
  switch (vr) {
    case 'US':
      return each(2, (o) => String(view.getUint16(o, le)));
    case 'SS':
      return each(2, (o) => String(view.getInt16(o, le)));
    case 'UL':
      return each(4, (o) => String(view.getUint32(o, le)));
    case 'SL':
      return each(4, (o) => String(view.getInt32(o, le)));
    case 'UV':
      return each(8, (o) => view.getBigUint64(o, le).toString());
    case 'SV':
      return each(8, (o) => view.getBigInt64(o, le).toString());
    case 'FL':
      return each(4, (o) => formatFloat32(view.getFloat32(o, le)));
    case 'FD':
      return each(8, (o) => String(view.getFloat64(o, le)));
    case 'AT':
      return each(4, (o) =>
        formatTag(((view.getUint16(o, le) << 16) | view.getUint16(o + 2, le)) >>> 0),
      );
    default:
      return out;
  }
}

function hex(bytes: Uint8Array, width: number, bigEndian: boolean): string {
  const groups: string[] = [];
  for (let o = 0; o + width <= bytes.length; o += width) {
    let g = '';
    for (let k = 0; k < width; k++) {
      // Words are shown most significant byte first, whatever the transfer syntax's byte order.
      const b = bytes[bigEndian || width === 1 ? o + k : o + width - 1 - k] as number;
      g += b.toString(16).toUpperCase().padStart(2, '0');
    }
    groups.push(g);
  }
  return groups.join(' ');
}

/**
 * Renders one element's value.
 * @param charset the Specific Character Set terms in effect (see ../dicom/charset.ts).
 */
export function formatValues(
  vr: string,
  bytes: Uint8Array,
  bigEndian: boolean,
  charset: string[],
): string[] {
  if (bytes.length === 0) return [];
  const width = BINARY_WIDTH[vr];
  if (width !== undefined) {
    if (bytes.length > SHORT_BINARY_LIMIT) return [BINARY_DATA];
    return [hex(bytes, width, bigEndian)];
  }
  if (TEXT_VRS.has(vr)) {
    const text = CHARSET_VRS.has(vr) ? decodeText(bytes, charset) : latin1(bytes);
    const parts = SINGLE_VALUE_TEXT_VRS.has(vr) ? [text] : text.split('\\');
    const values = parts.map(trimValue);
    return values.length === 1 && values[0] === '' ? [] : values;
  }
  return numbers(vr, bytes, bigEndian);
}
