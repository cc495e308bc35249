/**
 * Tag filters on ingestion (BEHAVIOR.md §6.1 step 3, §19): the union of blacklist trees is removed (an element
 * or item is dropped when it is, or lies inside, a listed tree; `*` items match any item), then, when a whitelist
 * applies, only elements and items on a listed tree are kept (the node itself, its enclosing sequences and items,
 * and everything inside it).
 *
 * Deliberate deviation (quirk 10): filters apply to the dataset only. The preamble and the file meta information
 * are always kept, so a whitelisted file stays a readable Part 10 file with its transfer syntax.
 * Filtered files are rewritten by the lossless codec (sequences with undefined length, meta group length
 * recomputed, deflated data re-deflated); files no filter touches are stored byte-for-byte.
 */
import { open, readFile } from 'node:fs/promises';
import { DicomParseError, parseDicomFile, writeDicomFile } from '../anonymization/dicom-codec.js';
import type { DicomDataset } from '../anonymization/dicom-codec.js';
import { DicomError } from '../dicom/errors.js';
import { treeCovers, treeLeadsThrough } from './tag-tree.js';
import type { PathStep, TreeStep } from './tag-tree.js';

/**
 * The tag trees of the filters that apply to a source (the filter store's `forSource` answers this shape). Plain
 * data: the filter runs in a worker (codec/jobs.ts), the store on the main thread.
 */
export interface SourceFilters {
  blacklists: TreeStep[][];
  whitelists: TreeStep[][];
}

class Filter {
  changed = false;
  constructor(
    private readonly blacklists: readonly TreeStep[][],
    private readonly whitelists: readonly TreeStep[][],
  ) {}

  private keep(path: readonly PathStep[]): boolean {
    if (this.blacklists.some((t) => treeCovers(t, path))) return false;
    if (this.whitelists.length === 0) return true;
    return this.whitelists.some((t) => treeCovers(t, path) || treeLeadsThrough(t, path));
  }

  dataset(ds: DicomDataset, prefix: readonly PathStep[]): DicomDataset {
    const out: DicomDataset = [];
    for (const el of ds) {
      const path = [...prefix, { tag: el.tag }];
      if (!this.keep(path)) {
        this.changed = true;
        continue;
      }
      if (el.items) {
        const items: DicomDataset[] = [];
        el.items.forEach((item, i) => {
          const itemPath = [...prefix, { tag: el.tag, item: i + 1 }];
          if (this.keep(itemPath)) items.push(this.dataset(item, itemPath));
          else this.changed = true;
        });
        out.push({ ...el, items });
      } else out.push(el);
    }
    return out;
  }
}

/** Filters a Part 10 file in memory; returns undefined when nothing was removed. */
export function filterDicomBytes(
  bytes: Uint8Array,
  filters: SourceFilters,
): Uint8Array | undefined {
  if (filters.blacklists.length === 0 && filters.whitelists.length === 0) return undefined;
  let input = bytes;
  const hasPreamble =
    bytes.length >= 132 && String.fromCharCode(...bytes.subarray(128, 132)) === 'DICM';
  if (!hasPreamble) {
    // The preamble is optional on input (dicom/parse.ts accepts meta without it).
    input = new Uint8Array(bytes.length + 132);
    input.set([0x44, 0x49, 0x43, 0x4d], 128);
    input.set(bytes, 132);
  }
  let file;
  try {
    file = parseDicomFile(input);
  } catch (e) {
    if (e instanceof DicomParseError) throw new DicomError(`Not a DICOM stream: ${e.message}`);
    throw e;
  }
  const filter = new Filter(filters.blacklists, filters.whitelists);
  const dataset = filter.dataset(file.dataset, []);
  if (!filter.changed) return undefined;
  return writeDicomFile({ ...file, dataset });
}

/**
 * Rewrites the (temporary) file at `path` when the filters remove anything, flushed to disk before this resolves
 * (the file is renamed into place and committed next); returns whether it changed.
 */
export async function filterDicomFile(path: string, filters: SourceFilters): Promise<boolean> {
  if (filters.blacklists.length === 0 && filters.whitelists.length === 0) return false;
  const out = filterDicomBytes(await readFile(path), filters);
  if (!out) return false;
  const file = await open(path, 'w');
  try {
    await file.writeFile(out);
    await file.sync();
  } finally {
    await file.close();
  }
  return true;
}
