/**
 * Turns what the user dropped into the list of files of a job: folders are walked recursively (symlink
 * loops guarded by the real path of every folder entered), zips are extracted into the job's folder
 * (zips inside zips are not opened), plain files are taken as they are.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import type { FileRef } from '../../../src-preload/contract.js';
import { DEFAULT_ZIP_LIMITS, extractZip, type ZipLimits } from './expand-zip.js';

export interface ExpandedFile {
  name: string;
  path: string;
  size: number;
  /** The path is a copy the job owns (staged or extracted) and is removed once the file is settled. */
  staged: boolean;
  /** Set when the file is not to be sent at all. */
  skipReason?: string;
}

export interface ExpandOptions {
  /** Where zips are extracted: a folder owned by the job. */
  workDir: string;
  /** Paths the job owns already (staged copies). */
  isStaged: (path: string) => boolean;
  zipLimits?: ZipLimits;
}

export async function expandSources(
  sources: readonly FileRef[],
  options: ExpandOptions,
): Promise<ExpandedFile[]> {
  const out: ExpandedFile[] = [];
  let zips = 0;
  const seenDirs = new Set<string>();

  const addFile = async (path: string, name: string, size: number, fromZip: boolean) => {
    if (extname(name).toLowerCase() === '.zip') {
      if (fromZip) {
        out.push({ name, path, size, staged: true, skipReason: 'Zip inside a zip: not opened' });
        return;
      }
      const target = join(options.workDir, 'zip', String(zips++));
      try {
        const entries = await extractZip(
          path,
          name,
          target,
          options.zipLimits ?? DEFAULT_ZIP_LIMITS,
        );
        for (const entry of entries) {
          if (entry.kind === 'refused') {
            out.push({
              name: entry.name,
              path,
              size: entry.size,
              staged: false,
              skipReason: entry.reason,
            });
          } else {
            await addFile(entry.path, entry.name, entry.size, true);
          }
        }
      } catch (error) {
        out.push({
          name,
          path,
          size,
          staged: options.isStaged(path),
          skipReason: `Could not read the zip: ${(error as Error).message}`,
        });
      }
      return;
    }
    out.push({ name, path, size, staged: fromZip || options.isStaged(path) });
  };

  const walk = async (dir: string, prefix: string): Promise<void> => {
    const real = await realpath(dir);
    if (seenDirs.has(real)) return; // a symlink loop, or the same folder twice
    seenDirs.add(real);
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      const name = `${prefix}/${entry.name}`;
      let isDir = entry.isDirectory();
      let isFile = entry.isFile();
      let size = 0;
      if (entry.isSymbolicLink() || isFile) {
        try {
          const info = await stat(path);
          isDir = info.isDirectory();
          isFile = info.isFile();
          size = info.size;
        } catch {
          out.push({ name, path, size: 0, staged: false, skipReason: 'Broken link' });
          continue;
        }
      }
      if (isDir) await walk(path, name);
      else if (isFile) await addFile(path, name, size, false);
    }
  };

  for (const source of sources) {
    let info;
    try {
      info = await stat(source.path);
    } catch {
      // Reported per file later (the upload fails with the reason), like a file that vanished.
      out.push({
        name: source.name,
        path: source.path,
        size: source.size,
        staged: options.isStaged(source.path),
      });
      continue;
    }
    if (info.isDirectory()) await walk(source.path, source.name || basename(source.path));
    else await addFile(source.path, source.name, info.size, false);
  }
  return out;
}
