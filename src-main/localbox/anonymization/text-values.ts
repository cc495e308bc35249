/**
 * String values of elements, and the re-encoding of a dataset's text to UTF-8 (`ISO_IR 192`, BEHAVIOR.md §11.4
 * step 3). Character sets are decoded by the shared localbox decoder (../dicom/charset.ts), which also handles
 * ISO 2022 code extensions.
 */
import { decodeText, parseSpecificCharacterSet } from '../dicom/charset.js';
import { findElement, setElement } from './dicom-codec.js';
import type { DicomDataset, DicomElement } from './dicom-codec.js';

export const SPECIFIC_CHARACTER_SET = 0x00080005;

/** VRs whose values are affected by Specific Character Set. */
const CHARSET_VRS = new Set(['SH', 'LO', 'ST', 'LT', 'UT', 'PN', 'UC']);
/** Text VRs where leading spaces are significant. */
const KEEP_LEADING = new Set(['ST', 'LT', 'UT']);

const utf8 = new TextDecoder('utf-8');
const encoder = new TextEncoder();

/** Decodes a value already in UTF-8 (or ASCII); trailing (and for most VRs leading) padding removed. */
export function stringValue(el: DicomElement | undefined): string {
  if (!el?.value || el.value.length === 0) return '';
  const s = utf8.decode(el.value).replace(/[\0 ]+$/, '');
  return KEEP_LEADING.has(el.vr) ? s : s.replace(/^ +/, '');
}

/** Encodes a string value for a VR: UTF-8, padded to even length (NUL for UI, space otherwise). */
export function encodeString(value: string, vr: string): Uint8Array {
  const bytes = encoder.encode(value);
  if (bytes.length % 2 === 0) return bytes;
  const padded = new Uint8Array(bytes.length + 1);
  padded.set(bytes);
  padded[bytes.length] = vr === 'UI' ? 0x00 : 0x20;
  return padded;
}

/** A plain element with a string value. */
export function stringElement(tag: number, vr: string, value: string): DicomElement {
  return { tag, vr, value: encodeString(value, vr) };
}

function needsTranscoding(bytes: Uint8Array): boolean {
  for (const b of bytes) if (b >= 0x80 || b === 0x1b) return true;
  return false;
}

function transcode(ds: DicomDataset, inherited: string[]): void {
  const own = findElement(ds, SPECIFIC_CHARACTER_SET);
  const terms = own?.value
    ? parseSpecificCharacterSet(String.fromCharCode(...own.value).replace(/[\0 ]+$/, ''))
    : inherited;
  const isUtf8 = terms.length === 1 && terms[0] === 'ISO_IR 192';
  for (const el of ds) {
    if (el.items) for (const item of el.items) transcode(item, terms);
    else if (!isUtf8 && el.value && CHARSET_VRS.has(el.vr) && needsTranscoding(el.value)) {
      const text = decodeText(el.value, terms).replace(/\0+$/, '');
      el.value = encodeString(text, el.vr);
    }
  }
  if (own) setElement(ds, stringElement(SPECIFIC_CHARACTER_SET, 'CS', 'ISO_IR 192'));
}

/**
 * Re-encodes every text value of the dataset (items included, honouring item-level Specific Character Set) to
 * UTF-8 and sets (0008,0005) to `ISO_IR 192` (inserted at the root when absent). Pure ASCII values are untouched.
 */
export function toUtf8(dataset: DicomDataset): void {
  transcode(dataset, []);
  setElement(dataset, stringElement(SPECIFIC_CHARACTER_SET, 'CS', 'ISO_IR 192'));
}
