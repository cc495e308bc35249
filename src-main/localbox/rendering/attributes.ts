/**
 * `GET /images/{id}/attributes` (BEHAVIOR §10.5): every data element in stream order — file meta
 * included, sequence items not listed themselves — stopping before Pixel Data (7FE0,0010) at the root,
 * with bulk data left out.
 *
 * Decisions:
 * - "Before Pixel Data" means the first root element with a tag ≥ (7FE0,0010), as a streaming parser with
 *   a stop tag behaves; trailing padding/signatures after it are not listed either.
 * - Bulk data (dcm4che's default rules): Pixel Data Provider URL, Audio Sample Data (50xx,200C), Curve Data
 *   (50xx,3000), Spectroscopy Data, Overlay Data (60xx,3000), Encapsulated Document, Float/Double Float Pixel
 *   Data anywhere; Pixel Data at the root (where reading stops anyway); Waveform Data directly inside a
 *   Waveform Sequence item. A nested Pixel Data (e.g. an icon image) is listed, as binary or fragments.
 * - The Specific Character Set applies from where it is met to the end of the dataset or item that holds
 *   it (a sequence item's own (0008,0005) does not leak into the parent dataset after the item).
 */
import type { ImageAttribute, TagPath } from '../../slicebox/types.js';
import { parseSpecificCharacterSet } from '../dicom/charset.js';
import { FRAGMENTS, formatValues } from './attribute-values.js';
import { keywordOf } from './dictionary.js';
import { readDicom, type ElementHeader, type PathStep } from './dicom-stream-reader.js';

const SPECIFIC_CHARACTER_SET = 0x00080005;
const PIXEL_DATA = 0x7fe00010;
const WAVEFORM_SEQUENCE = 0x54000100;
const WAVEFORM_DATA = 0x54001010;

const BULK_ANYWHERE = new Set([
  0x00287fe0, // Pixel Data Provider URL
  0x5000200c, // Audio Sample Data (50xx,200C)
  0x50003000, // Curve Data (50xx,3000)
  0x56000020, // Spectroscopy Data
  0x60003000, // Overlay Data (60xx,3000)
  0x00420011, // Encapsulated Document
  0x7fe00008, // Float Pixel Data
  0x7fe00009, // Double Float Pixel Data
]);

function normalizeRepeatingGroup(tag: number): number {
  const group = tag >>> 16;
  if ((group >= 0x5000 && group <= 0x501e) || (group >= 0x6000 && group <= 0x601e)) {
    if (group % 2 === 0) return (tag & 0xff00ffff) >>> 0;
  }
  return tag;
}

export function isBulkData(tag: number, path: readonly PathStep[]): boolean {
  if (BULK_ANYWHERE.has(normalizeRepeatingGroup(tag))) return true;
  if (tag === PIXEL_DATA) return path.length === 0;
  if (tag === WAVEFORM_DATA) return path.length === 1 && path[0]?.tag === WAVEFORM_SEQUENCE;
  return false;
}

/** The §5.3 JSON tag path of an element at `path` (enclosing items, root first). */
export function tagPathOf(tag: number, path: readonly PathStep[]): TagPath {
  let previous: TagPath | undefined;
  for (const step of path) {
    const node: TagPath = {
      tag: step.tag | 0,
      name: keywordOf(step.tag) ?? '',
      item: String(step.item),
    };
    if (previous) node.previous = previous;
    previous = node;
  }
  const leaf: TagPath = { tag: tag | 0, name: keywordOf(tag) ?? '' };
  if (previous) leaf.previous = previous;
  return leaf;
}

function namePathOf(tag: number, path: readonly PathStep[]): string[] {
  return [...path.map((s) => keywordOf(s.tag) ?? ''), keywordOf(tag) ?? ''];
}

/**
 * Lists the attributes of a DICOM file. Throws `DicomReadError` when the bytes are not readable DICOM up to
 * Pixel Data (the route decides the status).
 */
export function readAttributes(bytes: Uint8Array): ImageAttribute[] {
  const out: ImageAttribute[] = [];
  /** Character set per open dataset level: the root, then each open item. */
  const charsets: string[][] = [[]];
  const attribute = (h: ElementHeader, values: string[]): void => {
    out.push({
      tagPath: tagPathOf(h.tag, h.path),
      namePath: namePathOf(h.tag, h.path),
      vr: h.vr,
      length: h.length,
      values,
    });
  };
  readDicom(bytes, {
    header(h) {
      if (h.path.length === 0 && h.tag >= PIXEL_DATA) return 'stop';
      if (isBulkData(h.tag, h.path)) return 'skip';
    },
    element(h, value, bigEndian) {
      if (h.tag === SPECIFIC_CHARACTER_SET) {
        charsets[charsets.length - 1] = parseSpecificCharacterSet(
          formatValues('CS', value, bigEndian, []).join('\\'),
        );
      }
      attribute(h, formatValues(h.vr, value, bigEndian, charsets[charsets.length - 1] ?? []));
    },
    sequence(h) {
      attribute(h, []);
    },
    fragments(h) {
      attribute(h, [FRAGMENTS]);
    },
    itemStart() {
      charsets.push(charsets[charsets.length - 1] ?? []);
    },
    itemEnd() {
      charsets.pop();
    },
  });
  return out;
}
