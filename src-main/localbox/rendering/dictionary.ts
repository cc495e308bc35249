/**
 * DICOM data dictionary lookups behind `/dicom/dictionary/*` (BEHAVIOR §7.6), built on dcmjs's dictionary.
 *
 * Tags are numbers. Inputs may be the signed 32-bit form the routes receive (`(FFFF,FFFF)` = -1) or unsigned;
 * outputs of {@link tagOfKeyword} are signed, as Slicebox's JSON carries Java ints.
 *
 * Decisions:
 * - Keywords are dcm4che-style: dcmjs's `RETIRED_` prefix is stripped (`RecognitionCode`, not
 *   `RETIRED_RecognitionCode`); lookups by keyword accept both spellings.
 * - dcmjs's pseudo VRs are resolved as PS3.5 resolves them for Implicit VR: `ox` (OB or OW) → OW,
 *   `xs` (US or SS) → US, `lt` (US or OW) → OW, `up` → UL; item/delimitation tags (`na`) → UN.
 * - Repeating groups (50xx curves, 60xx overlays, 7Fxx variable pixel data) resolve for every even group of
 *   the range. Odd (private) groups are never standard: private creators (gggg,0010-00FF) are LO, group
 *   lengths (gggg,0000) are UL, anything else private or unknown is UN, and has no keyword.
 */
import { loadDcmjs } from './dcmjs-module.js';

export interface VrInfo {
  name: string;
  /** The two ASCII letters as a big-endian 16-bit number (`PN` → 20558). */
  code: number;
}

export interface VmInfo {
  min: number;
  /** Omitted when unbounded (`1-n`). */
  max?: number;
}

interface Entry {
  tag: number;
  keyword: string;
  /** As dcmjs lists it, possibly a pseudo code (see module comment). */
  rawVr: string;
  vm: string;
}

interface Dictionary {
  byTag: Map<number, Entry>;
  byKeyword: Map<string, Entry>;
  keywords: string[];
}

let dictionary: Dictionary | undefined;

function load(): Dictionary {
  if (dictionary) return dictionary;
  const byTag = new Map<number, Entry>();
  const byKeyword = new Map<string, Entry>();
  for (const e of Object.values(loadDcmjs().data.DicomMetaDictionary.nameMap)) {
    const tag = Number.parseInt(e.tag.slice(1, 5) + e.tag.slice(6, 10), 16);
    if (!Number.isFinite(tag)) continue;
    const entry: Entry = { tag, keyword: e.name.replace(/^RETIRED_/, ''), rawVr: e.vr, vm: e.vm };
    byTag.set(tag, entry);
    byKeyword.set(entry.keyword, entry);
    byKeyword.set(e.name, entry);
  }
  const keywords = [...new Set([...byTag.values()].map((e) => e.keyword))];
  dictionary = { byTag, byKeyword, keywords };
  return dictionary;
}

function unsigned(tag: number): number {
  return tag >>> 0;
}

export function isPrivateTag(tag: number): boolean {
  return ((unsigned(tag) >>> 16) & 1) === 1;
}

export function isPrivateCreatorTag(tag: number): boolean {
  const t = unsigned(tag);
  const element = t & 0xffff;
  return isPrivateTag(t) && element >= 0x0010 && element <= 0x00ff;
}

function entryOf(tag: number): Entry | undefined {
  const t = unsigned(tag);
  if (isPrivateTag(t)) return undefined;
  const { byTag } = load();
  const direct = byTag.get(t);
  if (direct) return direct;
  // Repeating groups (PS3.6 §7.6): 5000-501E curves, 6000-601E overlays, 7F00-7FFE variable pixel data.
  // Their base groups (5000, 6000, 7F00) hold only repeating-group entries, so normalising is safe.
  const group = t >>> 16;
  const repeating =
    (group >= 0x5000 && group <= 0x501e) ||
    (group >= 0x6000 && group <= 0x601e) ||
    (group >= 0x7f00 && group <= 0x7ffe);
  return repeating ? byTag.get((t & 0xff00ffff) >>> 0) : undefined;
}

/** Keyword of a tag (dcm4che style), or undefined for unknown and private tags. */
export function keywordOf(tag: number): string | undefined {
  return entryOf(tag)?.keyword;
}

/** Tag of a keyword as a signed 32-bit int, or undefined. Repeating-group keywords give the base group. */
export function tagOfKeyword(keyword: string): number | undefined {
  const entry = load().byKeyword.get(keyword);
  return entry === undefined ? undefined : entry.tag | 0;
}

const PSEUDO_VR: Record<string, string> = { ox: 'OW', xs: 'US', lt: 'OW', up: 'UL', na: 'UN' };

/**
 * The dictionary VR as dcmjs lists it, before pseudo-code resolution (`xs`, `ox`, ...), or the fallback for
 * private and unknown tags. Readers of Implicit VR data use this to resolve `xs` with PixelRepresentation.
 */
export function rawVrOf(tag: number): string {
  const entry = entryOf(tag);
  if (entry) return entry.rawVr;
  const t = unsigned(tag);
  if ((t & 0xffff) === 0) return 'UL';
  if (isPrivateCreatorTag(t)) return 'LO';
  return 'UN';
}

/** Dictionary VR name (two letters). */
export function vrNameOf(tag: number): string {
  const raw = rawVrOf(tag);
  return PSEUDO_VR[raw] ?? raw;
}

export function vrCode(name: string): number {
  return ((name.charCodeAt(0) & 0xff) << 8) | (name.charCodeAt(1) & 0xff);
}

export function vrOf(tag: number): VrInfo {
  const name = vrNameOf(tag);
  return { name, code: vrCode(name) };
}

/** VM of a tag: `1-n` → {min:1}; `2-2n` → {min:2}; `1-3` → {min:1,max:3}; unknown → {min:1}. */
export function vmOf(tag: number): VmInfo {
  const vm = entryOf(tag)?.vm;
  if (vm === undefined) return { min: 1 };
  const [lo, hi] = vm.split('-');
  const min = Number.parseInt(lo ?? '1', 10);
  const safeMin = Number.isFinite(min) ? min : 1;
  if (hi === undefined) return { min: safeMin, max: safeMin };
  if (/n$/i.test(hi)) return { min: safeMin };
  const max = Number.parseInt(hi, 10);
  return Number.isFinite(max) ? { min: safeMin, max } : { min: safeMin };
}

export type KeywordKind = 'all' | 'sequence' | 'nonsequence';

/**
 * Dictionary keywords (unspecified but stable order), optionally those containing `filter`
 * case-insensitively, and optionally only sequence (VR SQ) or non-sequence keywords.
 */
export function dictionaryKeywords(filter?: string, kind: KeywordKind = 'all'): string[] {
  const { keywords, byKeyword } = load();
  const needle = filter?.toLowerCase() ?? '';
  return keywords.filter((k) => {
    if (needle !== '' && !k.toLowerCase().includes(needle)) return false;
    if (kind === 'all') return true;
    const isSequence = byKeyword.get(k)?.rawVr === 'SQ';
    return kind === 'sequence' ? isSequence : !isSequence;
  });
}

/** `(GGGG,EEEE)` upper-case hex. */
export function formatTag(tag: number): string {
  const t = unsigned(tag);
  const hex = (n: number): string => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${hex(t >>> 16)},${hex(t & 0xffff)})`;
}
