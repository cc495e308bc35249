/**
 * The Modify dialog's row checks (issue 10, finding 6), pure so they are unit-tested: a row is a tag
 * path (sequence steps with 1-based items, then the element) and a new value. A row is checked before
 * anything is sent:
 *
 * - every step is a keyword or `(gggg,eeee)`, and every item index is a whole number ≥ 1;
 * - with the server's dictionary (`dicom.lookup`, BEHAVIOR §7.6): keywords are known (else the closest
 *   ones are suggested), sequence steps are sequences (VR SQ) and the element is not, and the element is
 *   not one the server writes itself or that would break the file (file meta, group lengths, item tags,
 *   Pixel Data, Specific Character Set — the local box refuses them, DECISIONS.md "Modify: what may be
 *   addressed"; a Slicebox server would write them silently);
 * - the value fits the element's VR where that is cheap to know: dates, times, ages, numbers, UIDs, code
 *   strings and the length limits of PS3.5 Table 6.2-1, and the value multiplicity (values split on `\`).
 *
 * Private and unknown tags (VR `UN`) are not checked further: only the server can judge them.
 */
import type { TagStepInfo } from '../../src-preload/contract.js';

export interface SequenceDraft {
  keyword: string;
  /** The item input's value (a number input gives a number, or null/'' when empty). */
  item: number | string | null | undefined;
}

/** A tag path as typed: sequence steps with their items, then the element. */
export interface TagPathDraft {
  sequences: SequenceDraft[];
  element: string;
}

export interface RowDraft extends TagPathDraft {
  value: string;
}

/** Which input of a row a problem is about. */
export type RowField =
  | { field: 'sequence'; index: number }
  | { field: 'item'; index: number }
  | { field: 'element' }
  | { field: 'value' };

export interface RowProblem {
  at: RowField;
  message: string;
  /** The row is only unfinished (an empty field): said once the user has left the field. */
  incomplete?: boolean;
}

/**
 * A step's dictionary answer: `undefined` while not looked up yet, `null` when the lookup failed (the
 * server decides then).
 */
export type StepLookup = (step: string) => TagStepInfo | null | undefined;

export interface RowCheck {
  problem: RowProblem | null;
  /** Some step still waits for its dictionary answer. */
  pending: boolean;
  /** The path as `actions.modify` takes it (`Seq[1].Keyword`); '' while the row has problems. */
  path: string;
}

const STEP = /^(?:\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)|[A-Za-z][A-Za-z0-9]*)$/;
const LITERAL = /^\(([0-9a-fA-F]{4}),([0-9a-fA-F]{4})\)$/;

/** Why `text` is not a tag-path step, or null when it is one. */
export function stepSyntaxProblem(text: string): string | null {
  const step = text.trim();
  if (step === '') return 'Enter a keyword or (gggg,eeee).';
  if (STEP.test(step)) return null;
  if (/^\(?[0-9a-fA-F]{4}[,\s]?[0-9a-fA-F]{4}\)?$/.test(step)) {
    return `Write a tag as (gggg,eeee), e.g. (0010,0010).`;
  }
  return `“${step}” is not a keyword or (gggg,eeee): keywords are letters and digits, e.g. PatientName.`;
}

/** A 1-based item index, or the reason it is not one. */
export function itemProblem(item: number | string | null | undefined): string | null {
  const text = item === null || item === undefined ? '' : String(item).trim();
  if (text === '') return 'Enter the item number (1 for the first item).';
  const n = Number(text);
  if (!/^[+-]?\d+$/.test(text) || !Number.isSafeInteger(n)) {
    return 'The item is a whole number (1 for the first item).';
  }
  if (n < 1) return 'Items are numbered from 1.';
  return null;
}

/** The signed 32-bit tag of a literal step, or null for a keyword. */
function literalTag(step: string): number | null {
  const match = LITERAL.exec(step.trim());
  return match ? parseInt(`${match[1]}${match[2]}`, 16) | 0 : null;
}

export function formatTag(tag: number): string {
  const t = tag >>> 0;
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(4, '0');
  return `(${hex(t >>> 16)},${hex(t & 0xffff)})`;
}

function unknownKeyword(info: TagStepInfo): string {
  const [first, ...rest] = info.suggestions;
  if (first === undefined) return `“${info.step}” is not in the server’s DICOM dictionary.`;
  const others = rest.length > 0 ? ` (or ${rest.join(', ')})` : '';
  return `“${info.step}” is not in the server’s DICOM dictionary. Did you mean ${first}${others}?`;
}

/** Why the element at `tag` cannot be modified (whatever the value), or null. */
export function forbiddenElement(tag: number, atRoot: boolean): string | null {
  const t = tag >>> 0;
  const group = t >>> 16;
  const element = t & 0xffff;
  if (group === 0x0002) return 'File meta information (group 0002) is written by the server.';
  if (group === 0xfffe) return 'Item and delimitation tags are not elements.';
  if (element === 0x0000) return 'Group lengths are recomputed by the server.';
  if (t === 0x00080005) {
    return 'The server sets Specific Character Set itself (ISO_IR 192, UTF-8).';
  }
  if (atRoot && t === 0x7fe00010) return 'Pixel Data cannot be replaced with text.';
  return null;
}

const name = (info: TagStepInfo): string => info.keyword || formatTag(info.tag ?? 0);

/** Checks a row with the dictionary answers known so far. */
export function checkRow(row: RowDraft, lookup: StepLookup): RowCheck {
  let pending = false;
  const fail = (problem: RowProblem): RowCheck => ({ problem, pending, path: '' });

  // Syntax first, in the order the inputs appear.
  for (const [index, sequence] of row.sequences.entries()) {
    if (sequence.keyword.trim() === '') {
      return fail({
        at: { field: 'sequence', index },
        message: 'Enter the sequence’s keyword, or remove this sequence.',
        incomplete: true,
      });
    }
    const syntax = stepSyntaxProblem(sequence.keyword);
    if (syntax) return fail({ at: { field: 'sequence', index }, message: syntax });
    const item = itemProblem(sequence.item);
    if (item) return fail({ at: { field: 'item', index }, message: item });
  }
  if (row.element.trim() === '') {
    return fail({
      at: { field: 'element' },
      message: 'Enter the tag to modify: a keyword or (gggg,eeee).',
      incomplete: true,
    });
  }
  const syntax = stepSyntaxProblem(row.element);
  if (syntax) return fail({ at: { field: 'element' }, message: syntax });

  // Then the dictionary: every step known, sequences where sequences belong.
  for (const [index, sequence] of row.sequences.entries()) {
    const info = lookup(sequence.keyword.trim());
    if (info === undefined) pending = true;
    if (!info) continue;
    if (info.tag === null) {
      return fail({ at: { field: 'sequence', index }, message: unknownKeyword(info) });
    }
    if (info.vr !== 'SQ' && info.vr !== 'UN') {
      return fail({
        at: { field: 'sequence', index },
        message: `${name(info)} is not a sequence (VR ${info.vr}): only sequences have items.`,
      });
    }
  }
  const element = lookup(row.element.trim());
  if (element === undefined) pending = true;
  if (element && element.tag === null) {
    return fail({ at: { field: 'element' }, message: unknownKeyword(element) });
  }
  const tag = element?.tag ?? literalTag(row.element);
  if (element && element.vr === 'SQ') {
    return fail({
      at: { field: 'element' },
      message: `${name(element)} is a sequence: add it with + Sequence and name an element inside it.`,
    });
  }
  if (tag !== null) {
    const forbidden = forbiddenElement(tag, row.sequences.length === 0);
    if (forbidden) return fail({ at: { field: 'element' }, message: forbidden });
  }
  if (element) {
    const value = valueProblem(element.vr, element.vm, row.value);
    if (value) return fail({ at: { field: 'value' }, message: `${name(element)}: ${value}` });
  }

  const steps = row.sequences.map((s) => `${s.keyword.trim()}[${Number(String(s.item).trim())}]`);
  return { problem: null, pending, path: [...steps, row.element.trim()].join('.') };
}

/** VRs whose value is one piece of text: a backslash is part of it, not a separator. */
const SINGLE_TEXT = new Set(['LT', 'ST', 'UT', 'UR']);
/**
 * Text VRs and their maximum length in characters (PS3.5 Table 6.2-1). DA, TM, DT and AS are left out:
 * their formats fix their lengths, and saying the format helps more.
 */
const MAX_LENGTH: Record<string, number> = {
  AE: 16,
  CS: 16,
  DS: 16,
  IS: 12,
  LO: 64,
  LT: 10240,
  SH: 16,
  ST: 1024,
  UI: 64,
};
const INTEGER_RANGE: Record<string, [bigint, bigint]> = {
  // The dictionary cannot tell US-or-SS elements (Smallest Image Pixel Value…) apart: both ranges pass.
  US: [-32768n, 65535n],
  SS: [-32768n, 65535n],
  UL: [0n, 4294967295n],
  SL: [-2147483648n, 2147483647n],
  UV: [0n, 18446744073709551615n],
  SV: [-9223372036854775808n, 9223372036854775807n],
};

const DS = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const IS = /^[+-]?\d+$/;
const UI = /^(?:0|[1-9]\d*)(?:\.(?:0|[1-9]\d*))*$/;
const AS = /^\d{3}[DWMY]$/;
const CS = /^[A-Z0-9_ ]*$/;
const TM = /^(?:[01]\d|2[0-3])(?:[0-5]\d(?:(?:[0-5]\d|60)(?:\.\d{1,6})?)?)?$/;
const DT =
  /^(\d{4})(?:(\d{2})(?:(\d{2})(?:([01]\d|2[0-3])(?:[0-5]\d(?:(?:[0-5]\d|60)(?:\.\d{1,6})?)?)?)?)?)?(?:[+-](?:0\d|1[0-4])[0-5]\d)?$/;

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= days;
}

/** Why one value (one of the `\`-separated ones) does not fit `vr`, or null. */
function singleValueProblem(vr: string, raw: string): string | null {
  const value = raw.replace(/ +$/, '');
  const padded = raw.trim();
  const max = MAX_LENGTH[vr];
  const check = vr === 'DS' || vr === 'IS' || vr === 'AE' || vr === 'CS' ? padded : value;
  if (max !== undefined && check.length > max) {
    return `At most ${max} characters for VR ${vr}; “${truncate(check)}” has ${check.length}.`;
  }
  if (check === '') return null;
  switch (vr) {
    case 'DA': {
      const m = /^(\d{4})(\d{2})(\d{2})$/.exec(value);
      if (!m || !validDate(Number(m[1]), Number(m[2]), Number(m[3]))) {
        return `A date is written YYYYMMDD (VR DA), e.g. 20240131; “${truncate(value)}” is not one.`;
      }
      return null;
    }
    case 'TM':
      return TM.test(value)
        ? null
        : `A time is written HHMMSS, HHMM or HHMMSS.FFFFFF (VR TM), e.g. 143000; “${truncate(value)}” is not one.`;
    case 'DT': {
      const m = DT.exec(value);
      if (
        !m ||
        (m[2] !== undefined && m[3] === undefined && (Number(m[2]) < 1 || Number(m[2]) > 12)) ||
        (m[3] !== undefined && !validDate(Number(m[1]), Number(m[2]), Number(m[3])))
      ) {
        return `A date-time is written YYYYMMDDHHMMSS (VR DT), e.g. 20240131143000; “${truncate(value)}” is not one.`;
      }
      return null;
    }
    case 'AS':
      return AS.test(value)
        ? null
        : `An age is three digits and D, W, M or Y (VR AS), e.g. 045Y; “${truncate(value)}” is not one.`;
    case 'DS':
      return DS.test(padded)
        ? null
        : `A decimal number (VR DS), e.g. 2.5 or -1e3; “${truncate(padded)}” is not one.`;
    case 'IS': {
      if (!IS.test(padded)) {
        return `A whole number (VR IS), e.g. 12; “${truncate(padded)}” is not one.`;
      }
      const n = BigInt(padded.replace(/^\+/, ''));
      return n < -2147483648n || n > 2147483647n
        ? `A whole number between -2147483648 and 2147483647 (VR IS).`
        : null;
    }
    case 'UI':
      return UI.test(value)
        ? null
        : `A UID is digits separated by dots, without leading zeros (VR UI), e.g. 1.2.840.10008.1.2; “${truncate(value)}” is not one.`;
    case 'CS':
      return CS.test(padded)
        ? null
        : `A code string is upper-case letters, digits, spaces and _ (VR CS); “${truncate(padded)}” is not one.`;
    case 'FL':
    case 'FD': {
      const n = Number(padded);
      return padded !== '' && Number.isFinite(n) && DS.test(padded)
        ? null
        : `A number (VR ${vr}), e.g. 2.5; “${truncate(padded)}” is not one.`;
    }
    case 'AT':
      return /^\([0-9a-fA-F]{4},[0-9a-fA-F]{4}\)$|^[0-9a-fA-F]{8}$/.test(padded)
        ? null
        : `A tag as (gggg,eeee) (VR AT); “${truncate(padded)}” is not one.`;
    case 'PN': {
      const groups = value.split('=');
      if (groups.length > 3) return 'A person name has at most three component groups (=).';
      for (const group of groups) {
        if (group.length > 64) return 'At most 64 characters per component group (VR PN).';
        if (group.split('^').length > 5) {
          return 'A person name has at most five components: family^given^middle^prefix^suffix.';
        }
      }
      return null;
    }
    default: {
      const range = INTEGER_RANGE[vr];
      if (range) {
        if (!IS.test(padded)) {
          return `A whole number (VR ${vr}); “${truncate(padded)}” is not one.`;
        }
        const n = BigInt(padded.replace(/^\+/, ''));
        const [lo, hi] = range;
        return n < lo || n > hi ? `A whole number between ${lo} and ${hi} (VR ${vr}).` : null;
      }
      return null;
    }
  }
}

function truncate(text: string): string {
  return text.length > 24 ? `${text.slice(0, 23)}…` : text;
}

/** Control characters other than TAB, LF, FF, CR and ESC (ESC starts ISO 2022 escapes). */
function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 && ![0x09, 0x0a, 0x0c, 0x0d, 0x1b].includes(code)) return true;
  }
  return false;
}

const BINARY_NUMBERS = new Set(['US', 'SS', 'UL', 'SL', 'UV', 'SV', 'FL', 'FD', 'AT']);

/**
 * Why `value` does not fit an element of this VR and VM, or null. An empty value empties the element and
 * always fits. Unknown and bulk VRs (UN, OB, OW, …) are not checked.
 */
export function valueProblem(
  vr: string,
  vm: { min: number; max?: number },
  value: string,
): string | null {
  if (value === '') return null;
  if (hasControlCharacters(value)) {
    return 'The value holds control characters.';
  }
  if (/[\r\n\f]/.test(value) && !['LT', 'ST', 'UT'].includes(vr)) {
    return `Line breaks are only allowed in long texts (LT, ST, UT), not in VR ${vr}.`;
  }
  const values = SINGLE_TEXT.has(vr) ? [value] : value.split('\\');
  if (vm.max !== undefined && values.length > vm.max) {
    return vm.max === 1
      ? `One value only; “\\” separates values (VR ${vr}).`
      : `At most ${vm.max} values separated by “\\”; this has ${values.length}.`;
  }
  for (const [index, one] of values.entries()) {
    if (one.trim() === '' && BINARY_NUMBERS.has(vr)) {
      return values.length > 1
        ? `Value ${index + 1} is empty; VR ${vr} takes numbers.`
        : `A number is needed (VR ${vr}).`;
    }
    const problem = singleValueProblem(vr, one);
    if (problem) {
      return values.length > 1 ? `Value ${index + 1}: ${problem}` : problem;
    }
  }
  return null;
}
