/**
 * Helpers for the anonymization tests: real files, an independent walker (dicom-parser, not our codec), and the
 * dcmtk / dicom3tools checks.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { parseDicomFile } from '../../src-main/localbox/anonymization/dicom-codec.js';
import type { DicomDataset } from '../../src-main/localbox/anonymization/dicom-codec.js';

import { TESTDATA } from '../fixtures/paths.js';

export const DATA = TESTDATA.replace(/\/$/, '');
export const FILES = {
  test: `${DATA}/test.dcm`,
  ctSmall: `${DATA}/pydicom/CT_small.dcm`,
  mrSmall: `${DATA}/pydicom/MR_small.dcm`,
  privSq: `${DATA}/pydicom/priv_SQ.dcm`,
  nestedPrivSq: `${DATA}/pydicom/nested_priv_SQ.dcm`,
} as const;

export function load(file: string): Uint8Array {
  return new Uint8Array(readFileSync(file));
}

interface DpElement {
  tag: string;
  dataOffset: number;
  length: number;
  items?: { dataSet?: DpDataSet }[];
}
interface DpDataSet {
  byteArray: Uint8Array;
  elements: Record<string, DpElement>;
}
interface DicomParserModule {
  parseDicom(bytes: Uint8Array, options?: Record<string, unknown>): DpDataSet;
}
const dicomParser = createRequire(import.meta.url)('dicom-parser') as DicomParserModule;

/** One element found by walking a dataset: path like `00540012[1].00540013[2].00540015`. */
export interface WalkedElement {
  path: string;
  /** group << 16 | element */
  tag: number;
  /** Value bytes decoded as latin1 (ASCII-compatible), trailing NUL/space padding removed. */
  value: string;
  /** Raw bytes, for pixel data comparisons. */
  bytes: Uint8Array;
  isSequence: boolean;
  /** Tags of the enclosing sequence elements, outermost first. */
  ancestors: number[];
}

/** Deflated transfer syntax support for dicom-parser. */
function inflater(arr: Uint8Array, position: number): Uint8Array {
  const inflated = inflateRawSync(arr.subarray(position));
  const out = new Uint8Array(position + inflated.length);
  out.set(arr.subarray(0, position));
  out.set(inflated, position);
  return out;
}

const latin1 = (raw: Uint8Array) =>
  Buffer.from(raw)
    .toString('latin1')
    .replace(/[\0 ]+$/, '');
const hex8 = (tag: number) => tag.toString(16).toUpperCase().padStart(8, '0');

/** Fallback walker over our own codec, for sources dicom-parser cannot read (nested_priv_SQ.dcm). */
function walkWithCodec(bytes: Uint8Array): WalkedElement[] {
  const file = parseDicomFile(bytes);
  const out: WalkedElement[] = [];
  const visit = (ds: DicomDataset, prefix: string, ancestors: number[]) => {
    for (const el of ds) {
      const path = `${prefix}${hex8(el.tag)}`;
      const raw = el.value ?? el.encapsulated ?? new Uint8Array(0);
      out.push({
        path,
        tag: el.tag,
        value: latin1(raw),
        bytes: raw,
        isSequence: !!el.items,
        ancestors,
      });
      el.items?.forEach((item, i) => visit(item, `${path}[${i + 1}].`, [...ancestors, el.tag]));
    }
  };
  visit(file.meta, '', []);
  visit(file.dataset, '', []);
  return out;
}

/**
 * Walks every element of a Part 10 file (meta included) with dicom-parser (independent of the code under
 * test), items recursively; falls back to our codec only when dicom-parser cannot read the file at all.
 */
export function walk(bytes: Uint8Array): WalkedElement[] {
  let ds: DpDataSet;
  try {
    ds = dicomParser.parseDicom(bytes, { inflater });
  } catch {
    return walkWithCodec(bytes);
  }
  const out: WalkedElement[] = [];
  const visit = (d: DpDataSet, prefix: string, ancestors: number[]) => {
    for (const el of Object.values(d.elements)) {
      const tag = parseInt(el.tag.slice(1), 16) >>> 0;
      const path = `${prefix}${el.tag.slice(1).toUpperCase()}`;
      const raw = el.items
        ? new Uint8Array(0)
        : d.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
      out.push({
        path,
        tag,
        value: latin1(raw),
        bytes: raw,
        isSequence: !!el.items,
        ancestors,
      });
      el.items?.forEach((item, i) => {
        if (item.dataSet) visit(item.dataSet, `${path}[${i + 1}].`, [...ancestors, tag]);
      });
    }
  };
  visit(ds, '', []);
  return out;
}

export function rootValue(bytes: Uint8Array, tag: number): string | undefined {
  return walk(bytes).find((e) => e.tag === tag && e.ancestors.length === 0)?.value;
}

const tmp = mkdtempSync(join(tmpdir(), 'anon-test-'));
let counter = 0;

export function writeTemp(bytes: Uint8Array, name = 'out.dcm'): string {
  const file = join(tmp, `${counter++}-${name}`);
  writeFileSync(file, bytes);
  return file;
}

/** dcmdump exit status. */
export function dcmdumpStatus(file: string): number | null {
  return spawnSync('dcmdump', ['-q', file], { encoding: 'latin1', maxBuffer: 1 << 28 }).status;
}

/**
 * dciodvfy "Error" lines, with quoted and <bracketed> values removed so that an error that persists with a new
 * value is still the same error.
 */
export function dciodvfyErrors(file: string): Set<string> {
  const r = spawnSync('dciodvfy', [file], { encoding: 'latin1', maxBuffer: 1 << 28 });
  const text = `${r.stdout}\n${r.stderr}`;
  return new Set(
    text
      .split('\n')
      .filter((l) => l.startsWith('Error'))
      .map((l) =>
        l
          .replace(/"[^"]*"/g, '""')
          .replace(/<[^>]*>/g, '<>')
          .trim(),
      ),
  );
}

export function toolsAvailable(): boolean {
  try {
    execFileSync('dcmdump', ['--version'], { stdio: 'ignore' });
    execFileSync('which', ['dciodvfy'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
