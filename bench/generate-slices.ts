/**
 * Benchmark data: CT-like DICOM slices made from one shared test file (pydicom's `CT_small.dcm`,
 * 128×128 16-bit, explicit VR little endian, with GE private groups).
 *
 * How: the file is read once with dcmjs and its raw dict (never naturalized, so private tags survive) is
 * edited into a template: pixel data resampled to the wanted size (bilinear plus slight noise, e.g. 4× up to
 * 512×512 for "CT-like", or down to 8×8 for the small query data set), Rows/Columns/PixelSpacing to match,
 * and fixed-width placeholders in the patient, study, series and instance fields. The template is written
 * once; each slice is then a copy of those bytes with the placeholders overwritten by real values of the
 * same width (UIDs are always `2.25.` + 39 digits = 44 characters). That makes a 512 KB slice cost one
 * memcpy instead of a dcmjs encode, so 100,000 files can be made in seconds.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

interface DictElement {
  vr: string;
  Value?: unknown[];
}
type Dict = Record<string, DictElement>;
interface DcmjsData {
  DicomMessage: { readFile(buffer: ArrayBuffer): { meta: Dict; dict: Dict } };
  DicomDict: new (meta: Dict) => { dict: Dict; write(): ArrayBuffer };
}
interface Dcmjs {
  data: DcmjsData;
  log?: { setLevel?: (level: string) => void };
}

const require = createRequire(import.meta.url);

/** Field → [tag, width]. Widths are even, so no padding byte ever follows the value. */
const FIELDS = {
  patientName: ['00100010', 18], // BENCH^G3^P00000123
  patientId: ['00100020', 10], // BP00000123
  studyUid: ['0020000D', 44],
  studyId: ['00200010', 8], // S0000123
  studyDescription: ['00081030', 18], // BENCH STUDY 000123
  seriesUid: ['0020000E', 44],
  seriesNumber: ['00200011', 6],
  seriesDescription: ['0008103E', 18], // BENCH SERIES 00012
  frameOfReferenceUid: ['00200052', 44],
  sopUid: ['00080018', 44],
  mediaSopUid: ['00020003', 44],
  instanceNumber: ['00200013', 6],
} as const;
type Field = keyof typeof FIELDS;

export interface SliceTemplate {
  rows: number;
  cols: number;
  bytes: Buffer;
  /** Byte offset of every field's value in `bytes`. */
  offsets: Record<Field, number>;
}

/** IS fields need digits: sentinels that the uniqueness check below guards. */
const NUMERIC_PLACEHOLDERS: Partial<Record<Field, string>> = {
  seriesNumber: '987654',
  instanceNumber: '876543',
};

function placeholder(field: Field): string {
  const numeric = NUMERIC_PLACEHOLDERS[field];
  if (numeric) return numeric;
  const width = FIELDS[field][1];
  const mark = `~${field}~`;
  return (mark + 'Z'.repeat(width)).slice(0, width);
}

/** Builds a template of `rows`×`cols` 16-bit pixels from the CT source file. */
export function makeTemplate(sourceFile: string, rows: number, cols: number): SliceTemplate {
  const dcmjs = require('dcmjs') as Dcmjs;
  dcmjs.log?.setLevel?.('error');
  const file = readFileSync(sourceFile);
  const message = dcmjs.data.DicomMessage.readFile(
    file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer,
  );
  const { meta, dict } = message;
  const value = (tag: string): unknown => dict[tag]?.Value?.[0];
  const srcRows = Number(value('00280010'));
  const srcCols = Number(value('00280011'));
  const srcPixels = new Uint16Array(value('7FE00010') as ArrayBuffer);
  if (srcPixels.length < srcRows * srcCols) throw new Error(`${sourceFile}: unexpected pixel data`);

  // Bilinear resampling plus a little deterministic noise (±16 in stored values), so the slices compress
  // like a real CT (deflate ≈ 2×) instead of like 4×4 blocks of identical pixels (≈ 15×).
  const pixels = new Uint16Array(rows * cols);
  let seed = 0x9e3779b9;
  const noise = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return ((seed >>> 0) % 33) - 16;
  };
  const at = (x: number, y: number) => srcPixels[y * srcCols + x] ?? 0;
  for (let y = 0; y < rows; y++) {
    const fy = Math.max(0, Math.min(srcRows - 1, ((y + 0.5) * srcRows) / rows - 0.5));
    const y0 = Math.floor(fy);
    const y1 = Math.min(srcRows - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < cols; x++) {
      const fx = Math.max(0, Math.min(srcCols - 1, ((x + 0.5) * srcCols) / cols - 0.5));
      const x0 = Math.floor(fx);
      const x1 = Math.min(srcCols - 1, x0 + 1);
      const wx = fx - x0;
      const v =
        (at(x0, y0) * (1 - wx) + at(x1, y0) * wx) * (1 - wy) +
        (at(x0, y1) * (1 - wx) + at(x1, y1) * wx) * wy;
      pixels[y * cols + x] = Math.max(0, Math.min(65535, Math.round(v) + noise()));
    }
  }
  dict['7FE00010'] = { vr: 'OW', Value: [pixels.buffer] };
  dict['00280010'] = { vr: 'US', Value: [rows] };
  dict['00280011'] = { vr: 'US', Value: [cols] };
  const spacing = (dict['00280030']?.Value ?? [0.661468, 0.661468]).map(Number);
  dict['00280030'] = {
    vr: 'DS',
    Value: [
      Number(((spacing[0] ?? 1) * (srcRows / rows)).toFixed(6)),
      Number(((spacing[1] ?? 1) * (srcCols / cols)).toFixed(6)),
    ],
  };
  delete dict['FFFCFFFC']; // trailing padding of the source file

  for (const field of Object.keys(FIELDS) as Field[]) {
    const [tag] = FIELDS[field];
    const target = tag.startsWith('0002') ? meta : dict;
    const vr = target[tag]?.vr ?? (field === 'seriesDescription' ? 'LO' : 'UI');
    target[tag] = {
      vr,
      Value: vr === 'PN' ? [{ Alphabetic: placeholder(field) }] : [placeholder(field)],
    };
  }
  const out = new dcmjs.data.DicomDict(meta);
  out.dict = dict;
  const bytes = Buffer.from(out.write());

  const offsets = {} as Record<Field, number>;
  for (const field of Object.keys(FIELDS) as Field[]) {
    const at = bytes.indexOf(placeholder(field), 0, 'latin1');
    if (at < 0 || bytes.indexOf(placeholder(field), at + 1, 'latin1') >= 0) {
      throw new Error(`template: placeholder for ${field} not found exactly once`);
    }
    offsets[field] = at;
  }
  return { rows, cols, bytes, offsets };
}

const UID_LOW = 10n ** 38n;
const UID_SPAN = 9n * 10n ** 38n;

/** `2.25.` + exactly 39 decimal digits, from 128+ random bits (PS3.5 B.2 style UUID-derived UID). */
export function newUid(): string {
  const n = BigInt('0x' + randomBytes(17).toString('hex'));
  return `2.25.${UID_LOW + (n % UID_SPAN)}`;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Shape of a generated set: images per series, series per study, studies per patient. */
export interface SliceSetShape {
  count: number;
  imagesPerSeries: number;
  seriesPerStudy: number;
  studiesPerPatient: number;
  /** Patient numbers start here (keeps names distinct across sets). */
  firstPatient?: number;
}

export interface Slice {
  bytes: Buffer;
  patient: number;
  study: number;
  series: number;
  instance: number;
  sopUid: string;
  studyUid: string;
  seriesUid: string;
}

/** Makes the slices of one set, with new Study/Series/SOP Instance UIDs. */
export function* generateSlices(template: SliceTemplate, shape: SliceSetShape): Generator<Slice> {
  const firstPatient = shape.firstPatient ?? 0;
  let studyUid = '';
  let seriesUid = '';
  let forUid = '';
  for (let i = 0; i < shape.count; i++) {
    const seriesIndex = Math.floor(i / shape.imagesPerSeries);
    const studyIndex = Math.floor(seriesIndex / shape.seriesPerStudy);
    const patient = firstPatient + Math.floor(studyIndex / shape.studiesPerPatient);
    const instance = (i % shape.imagesPerSeries) + 1;
    if (i % shape.imagesPerSeries === 0) {
      seriesUid = newUid();
      forUid = newUid();
      if (seriesIndex % shape.seriesPerStudy === 0) studyUid = newUid();
    }
    const sopUid = newUid();
    const values: Record<Field, string> = {
      patientName: `BENCH^G${patient % 10}^P${pad(patient, 8)}`,
      patientId: `BP${pad(patient, 8)}`,
      studyUid,
      studyId: `S${pad(studyIndex % 1e7, 7)}`,
      studyDescription: `BENCH STUDY ${pad(studyIndex % 1e6, 6)}`,
      seriesUid,
      seriesNumber: pad((seriesIndex % shape.seriesPerStudy) + 1, 6),
      seriesDescription: `BENCH SERIES ${pad(seriesIndex % 1e5, 5)}`,
      frameOfReferenceUid: forUid,
      sopUid,
      mediaSopUid: sopUid,
      instanceNumber: pad(instance, 6),
    };
    const bytes = Buffer.from(template.bytes);
    for (const field of Object.keys(FIELDS) as Field[]) {
      const text = values[field];
      if (text.length !== FIELDS[field][1])
        throw new Error(`${field}: '${text}' is not ${FIELDS[field][1]} wide`);
      bytes.write(text, template.offsets[field], 'latin1');
    }
    yield {
      bytes,
      patient,
      study: studyIndex,
      series: seriesIndex,
      instance,
      sopUid,
      studyUid,
      seriesUid,
    };
  }
}

/** Writes a set to `dir` as `<nnnnnn>.dcm`; returns the paths and total bytes. */
export async function writeSlices(
  dir: string,
  slices: Iterable<Slice>,
): Promise<{ paths: string[]; bytes: number }> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  let bytes = 0;
  let i = 0;
  for (const slice of slices) {
    const path = join(dir, `${pad(i++, 6)}.dcm`);
    await writeFile(path, slice.bytes);
    paths.push(path);
    bytes += slice.bytes.length;
  }
  return { paths, bytes };
}
