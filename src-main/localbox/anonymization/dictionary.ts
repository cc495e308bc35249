/**
 * DICOM data dictionary lookups (VR and keyword by tag, tag by keyword), backed by dcmjs's dictionary. dcmjs is a
 * dual package, so it is loaded through createRequire (one instance shared with dcmjs-dimse); only the dictionary
 * is used — element parsing and writing are our own (dicom-codec.ts) so private tags and pixel data stay intact.
 */
import { createRequire } from 'node:module';

interface DcmjsDictionaryEntry {
  tag: string;
  vr: string;
  vm: string;
  name: string;
}

interface DcmjsModule {
  data: {
    DicomMetaDictionary: {
      dictionary: Record<string, DcmjsDictionaryEntry | undefined>;
      nameMap: Record<string, DcmjsDictionaryEntry | undefined>;
    };
  };
}

const dcmjs = createRequire(import.meta.url)('dcmjs') as DcmjsModule;
const { dictionary, nameMap } = dcmjs.data.DicomMetaDictionary;

const hex4 = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');

/** `(GGGG,EEEE)` upper-case hex. */
export function tagString(tag: number): string {
  return `(${hex4(tag >>> 16)},${hex4(tag & 0xffff)})`;
}

function entry(tag: number): DcmjsDictionaryEntry | undefined {
  const group = tag >>> 16;
  if (group % 2 === 1) return undefined; // private: not in the standard dictionary
  const exact = dictionary[tagString(tag)];
  if (exact) return exact;
  // Repeating groups (50xx, 60xx) are listed with 'xx' in the group.
  if ((group & 0xff00) === 0x5000 || (group & 0xff00) === 0x6000) {
    const g = hex4(group).slice(0, 2);
    return dictionary[`(${g}xx,${hex4(tag & 0xffff)})`];
  }
  return undefined;
}

/** dcmjs's ambiguous dictionary VRs → one concrete VR. */
const AMBIGUOUS: Record<string, string> = { xs: 'US', ox: 'OW', up: 'UL', lt: 'OW', na: 'UN' };

/** The dictionary VR of a tag; 'UN' for private and unknown tags. */
export function dictionaryVr(tag: number): string {
  if ((tag & 0xffff) === 0) return 'UL'; // group length
  const group = tag >>> 16;
  const element = tag & 0xffff;
  if (group % 2 === 1 && element >= 0x0010 && element <= 0x00ff) return 'LO'; // private creator
  const vr = entry(tag)?.vr;
  if (!vr) return 'UN';
  return AMBIGUOUS[vr] ?? vr;
}

/** Dictionary keyword ('' for private and unknown tags). */
export function keywordOf(tag: number): string {
  const name = entry(tag)?.name ?? '';
  return name.startsWith('RETIRED_') ? name.slice('RETIRED_'.length) : name;
}

/** Tag for a dictionary keyword, or undefined. */
export function tagOfKeyword(keyword: string): number | undefined {
  const e = nameMap[keyword] ?? nameMap[`RETIRED_${keyword}`];
  if (!e || /x/i.test(e.tag)) return undefined;
  const m = /^\(([0-9A-F]{4}),([0-9A-F]{4})\)$/i.exec(e.tag);
  if (!m) return undefined;
  return ((parseInt(m[1] ?? '0', 16) << 16) | parseInt(m[2] ?? '0', 16)) >>> 0;
}
