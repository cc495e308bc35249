/**
 * Series type rule evaluation (BEHAVIOR.md §20.3): a type is assigned when ANY of its rules matches; a rule
 * matches when ALL its attributes match (a rule without attributes matches every series); an attribute matches
 * when all values of `tag` — inside the sequences of `tagPath` (comma-separated decimal tags, item 1 of each) —
 * joined with `,` equal `values` exactly. A missing attribute joins to "".
 *
 * Values are rendered as `GET /images/{id}/attributes` renders them (text trimmed and decoded with the Specific
 * Character Set, numbers as decimal strings), read from the head of the stored file only (up to Pixel Data).
 *
 * The file is read in a worker (codec/jobs.ts, `seriesTypes.match`): rules go in as plain data, the ids of the
 * matching types come out. The types below are the part of the store's rows that evaluation reads (the store's
 * `RuleWithAttributes` fits them), so this module needs no database code.
 */
import type { DataSet } from '../dicom/dicom-parser.js';
import { decodeText, parseSpecificCharacterSet } from '../dicom/charset.js';
import { validateDicomFile } from '../dicom/parse.js';
import { TransferSyntax } from '../dicom/uids.js';
import { formatValues } from '../rendering/attribute-values.js';
import { vrNameOf } from '../rendering/dictionary.js';

/** What evaluation reads of a rule attribute. */
export interface RuleAttribute {
  tag: number;
  /** Comma-separated decimal sequence tags leading to `tag` (item 1 of each); absent at the root. */
  tagPath?: string | undefined;
  values: string;
}

/** What evaluation reads of a rule: all its attributes must match. */
export interface Rule {
  attributes: readonly RuleAttribute[];
}

/** Reads attribute values of one parsed dataset. */
export interface AttributeReader {
  /** All values of `tag` inside the given sequences (item 1 of each), or [] when absent. */
  values(sequencePath: readonly number[], tag: number): string[];
}

const key = (tag: number): string => `x${(tag >>> 0).toString(16).padStart(8, '0')}`;

export function datasetReader(root: DataSet, bigEndian: boolean): AttributeReader {
  const charsetOf = (ds: DataSet, inherited: string[]): string[] => {
    const el = ds.elements[key(0x00080005)];
    if (!el || el.length === 0) return inherited;
    const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
    return parseSpecificCharacterSet(decodeText(bytes, []));
  };
  return {
    values(sequencePath, tag) {
      let ds: DataSet | undefined = root;
      let charset = charsetOf(root, []);
      for (const seq of sequencePath) {
        ds = ds.elements[key(seq)]?.items?.[0]?.dataSet;
        if (!ds) return [];
        charset = charsetOf(ds, charset);
      }
      const el = ds.elements[key(tag)];
      if (!el || el.items || el.length === 0xffffffff || el.length === 0) return [];
      const vr = el.vr ?? vrNameOf(tag);
      const bytes = ds.byteArray.subarray(el.dataOffset, el.dataOffset + el.length);
      return formatValues(vr, bytes, bigEndian, charset);
    },
  };
}

/** Parses a stored file's head into an attribute reader. */
export async function readStoredFile(path: string): Promise<AttributeReader> {
  const parsed = await validateDicomFile(path);
  return datasetReader(
    parsed.dataSet,
    parsed.transferSyntaxUid === TransferSyntax.ExplicitVrBigEndian,
  );
}

/** `"1,2,3"` → [1, 2, 3]; undefined/empty → []; throws on anything else. */
export function parseSequencePath(tagPath: string | undefined): number[] {
  if (tagPath === undefined || tagPath.trim() === '') return [];
  return tagPath.split(',').map((s) => {
    const t = s.trim();
    if (!/^-?\d+$/.test(t)) throw new Error(`Invalid tag path: ${tagPath}`);
    return Number(t) >>> 0;
  });
}

export function attributeMatches(reader: AttributeReader, a: RuleAttribute): boolean {
  let path: number[];
  try {
    path = parseSequencePath(a.tagPath);
  } catch {
    return false;
  }
  return reader.values(path, a.tag).join(',') === a.values;
}

/** The ids of the series types (in id order) whose rules match the dataset. */
export function matchingSeriesTypes(
  rulesByType: ReadonlyMap<number, readonly Rule[]>,
  reader: AttributeReader,
): number[] {
  const out: number[] = [];
  for (const [typeId, rules] of [...rulesByType].sort((a, b) => a[0] - b[0])) {
    if (rules.some((r) => r.attributes.every((a) => attributeMatches(reader, a)))) out.push(typeId);
  }
  return out;
}

/** The ids of the series types whose rules match the stored file at `path` (read up to Pixel Data). */
export async function matchStoredFile(
  path: string,
  rulesByType: ReadonlyMap<number, readonly Rule[]>,
): Promise<number[]> {
  return matchingSeriesTypes(rulesByType, await readStoredFile(path));
}
