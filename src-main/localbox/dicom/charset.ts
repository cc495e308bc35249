/**
 * Decoding of DICOM text values with the dataset's Specific Character Set (0008,0005), PS3.5 §6.1.
 *
 * Single-byte and Unicode sets map directly onto WHATWG TextDecoder labels. ISO 2022 code extensions
 * (e.g. `\ISO 2022 IR 87`, `ISO 2022 IR 13\ISO 2022 IR 87`, `\ISO 2022 IR 149`) are decoded by following the
 * escape sequences: G0 (bytes 0x21-0x7E) and G1 (bytes 0xA1-0xFE) designations are tracked separately and each
 * run of bytes is decoded with the set currently designated for it. Delimiters reset the designations to the
 * initial state, as encoders must switch back before them (PS3.5 §6.1.2.5.3).
 */

type Decoder = { decode(bytes: Uint8Array): string };

const decoders = new Map<string, Decoder>();
function decoder(label: string): Decoder {
  let d = decoders.get(label);
  if (!d) {
    d = new TextDecoder(label, { fatal: false });
    decoders.set(label, d);
  }
  return d;
}

/** Plain (non code-extension) defined terms → WHATWG encoding label. */
const SINGLE_SETS: Record<string, string> = {
  '': 'latin1',
  ISO_IR_6: 'latin1',
  'ISO_IR 6': 'latin1',
  'ISO_IR 100': 'latin1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'windows-874',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

/** What a G0/G1 designation decodes with. `twoByte7bit` sets are shifted to their EUC form first. */
interface GSet {
  label: string;
  /** 94x94 set designated to G0: bytes 0x21-0x7E come in pairs and are decoded as EUC (byte | 0x80). */
  twoByte7bit?: boolean;
  /** JIS X 0212: EUC-JP needs the 0x8F single-shift before each pair. */
  ss3?: boolean;
}

const ASCII: GSet = { label: 'latin1' };

/** ISO 2022 defined term → initial G1 designation (G0 is always ASCII, or JIS X 0201 Roman for IR 13). */
const ISO2022_G1: Record<string, GSet | undefined> = {
  'ISO 2022 IR 6': undefined,
  'ISO 2022 IR 100': { label: 'latin1' },
  'ISO 2022 IR 101': { label: 'iso-8859-2' },
  'ISO 2022 IR 109': { label: 'iso-8859-3' },
  'ISO 2022 IR 110': { label: 'iso-8859-4' },
  'ISO 2022 IR 144': { label: 'iso-8859-5' },
  'ISO 2022 IR 127': { label: 'iso-8859-6' },
  'ISO 2022 IR 126': { label: 'iso-8859-7' },
  'ISO 2022 IR 138': { label: 'iso-8859-8' },
  'ISO 2022 IR 148': { label: 'iso-8859-9' },
  'ISO 2022 IR 203': { label: 'iso-8859-15' },
  'ISO 2022 IR 13': { label: 'shift_jis' },
  'ISO 2022 IR 166': { label: 'windows-874' },
  'ISO 2022 IR 87': undefined,
  'ISO 2022 IR 159': undefined,
  'ISO 2022 IR 149': { label: 'euc-kr' },
  'ISO 2022 IR 58': { label: 'gbk' },
};

/** Escape sequence (bytes after ESC) → [graphic set index, designation]. */
const ESCAPES: Array<[string, 0 | 1, GSet]> = [
  ['(B', 0, ASCII],
  ['(J', 0, ASCII], // JIS X 0201 Roman: ASCII apart from ¥ and ‾
  [')I', 1, { label: 'shift_jis' }], // JIS X 0201 Katakana (single bytes 0xA1-0xDF, as in Shift_JIS)
  ['$B', 0, { label: 'euc-jp', twoByte7bit: true }], // JIS X 0208
  ['$@', 0, { label: 'euc-jp', twoByte7bit: true }],
  ['$(D', 0, { label: 'euc-jp', twoByte7bit: true, ss3: true }], // JIS X 0212
  ['$)C', 1, { label: 'euc-kr' }], // KS X 1001
  ['$)A', 1, { label: 'gbk' }], // GB 2312
  ['-A', 1, { label: 'latin1' }],
  ['-B', 1, { label: 'iso-8859-2' }],
  ['-C', 1, { label: 'iso-8859-3' }],
  ['-D', 1, { label: 'iso-8859-4' }],
  ['-L', 1, { label: 'iso-8859-5' }],
  ['-G', 1, { label: 'iso-8859-6' }],
  ['-F', 1, { label: 'iso-8859-7' }],
  ['-H', 1, { label: 'iso-8859-8' }],
  ['-M', 1, { label: 'iso-8859-9' }],
  ['-b', 1, { label: 'iso-8859-15' }],
  ['-T', 1, { label: 'windows-874' }],
];

const ESC = 0x1b;

/** Parses the raw (0008,0005) value into its defined terms (first value may be empty). */
export function parseSpecificCharacterSet(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  return raw.split('\\').map((s) => s.trim());
}

function isCodeExtension(terms: string[]): boolean {
  return terms.length > 1 || (terms[0] ?? '').startsWith('ISO 2022');
}

/** Decodes a text value (all of its values, backslashes included) with the given character set terms. */
export function decodeText(bytes: Uint8Array, terms: string[]): string {
  if (!isCodeExtension(terms)) {
    const label = SINGLE_SETS[terms[0] ?? ''] ?? 'latin1';
    return decoder(label).decode(bytes);
  }
  return decodeIso2022(bytes, terms);
}

function decodeIso2022(bytes: Uint8Array, terms: string[]): string {
  const first = terms[0] ?? '';
  const initialG0: GSet = ASCII;
  const initialG1: GSet | undefined =
    ISO2022_G1[first] ??
    (first === 'ISO_IR 13' ? { label: 'shift_jis' } : undefined) ??
    (SINGLE_SETS[first] && first !== '' ? { label: SINGLE_SETS[first] as string } : undefined);
  let g0 = initialG0;
  let g1 = initialG1;
  let out = '';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b === ESC) {
      const match = ESCAPES.find(([seq]) => matchesAt(bytes, i + 1, seq));
      if (match) {
        const [seq, index, set] = match;
        if (index === 0) g0 = set;
        else g1 = set;
        i += 1 + seq.length;
        continue;
      }
      out += '\u001b';
      i++;
      continue;
    }
    if (b >= 0x80) {
      let j = i;
      while (j < bytes.length && (bytes[j] as number) >= 0x80) j++;
      out += decoder(g1?.label ?? 'latin1').decode(bytes.subarray(i, j));
      i = j;
      continue;
    }
    if (g0.twoByte7bit) {
      let j = i;
      while (
        j + 1 < bytes.length &&
        isGraphic7(bytes[j] as number) &&
        isGraphic7(bytes[j + 1] as number)
      )
        j += 2;
      if (j > i) {
        const pairs = bytes.subarray(i, j);
        const shifted: number[] = [];
        for (let k = 0; k < pairs.length; k += 2) {
          if (g0.ss3) shifted.push(0x8f);
          shifted.push((pairs[k] as number) | 0x80, (pairs[k + 1] as number) | 0x80);
        }
        out += decoder(g0.label).decode(Uint8Array.from(shifted));
        i = j;
        continue;
      }
    }
    // Single 7-bit byte in ASCII mode (or a stray byte in two-byte mode).
    const ch = String.fromCharCode(b);
    out += ch;
    i++;
    if (isDelimiter(b)) {
      g0 = initialG0;
      g1 = initialG1;
    }
  }
  return out;
}

function matchesAt(bytes: Uint8Array, at: number, seq: string): boolean {
  if (at + seq.length > bytes.length) return false;
  for (let k = 0; k < seq.length; k++) if (bytes[at + k] !== seq.charCodeAt(k)) return false;
  return true;
}

function isGraphic7(b: number): boolean {
  return b >= 0x21 && b <= 0x7e;
}

function isDelimiter(b: number): boolean {
  // CR, LF, FF, TAB, backslash, and the PN delimiters ^ and =
  return (
    b === 0x0d || b === 0x0a || b === 0x0c || b === 0x09 || b === 0x5c || b === 0x5e || b === 0x3d
  );
}
