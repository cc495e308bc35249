/**
 * Extracts a zip's entries into a job's folder with yauzl, refusing hostile entries one by one (the
 * others are still imported): names that climb out (`..`), absolute paths, drive letters, and archives
 * whose sizes or compression ratios look like a zip bomb.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

export interface ZipLimits {
  /** Total bytes one archive may expand to. */
  maxTotalBytes: number;
  /** Largest uncompressed/compressed ratio accepted for an entry bigger than 1 MiB. */
  maxRatio: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = {
  maxTotalBytes: 32 * 1024 ** 3,
  maxRatio: 200,
  maxEntries: 500_000,
};

export type ZipEntryOutcome =
  | { kind: 'file'; name: string; path: string; size: number }
  | { kind: 'refused'; name: string; size: number; reason: string };

// yauzl 3 exports these; @types/yauzl (2.x) does not declare them yet.
const yz = yauzl as typeof yauzl & {
  getFileNameLowLevel(
    generalPurposeBitFlag: number,
    fileNameBuffer: Buffer,
    extraFields: { id: number; data: Buffer }[],
    strictFileNames: boolean,
  ): string;
  validateFileName(fileName: string): string | null;
};

/** Why an entry name must not be written to disk, or null when it is safe. */
export function unsafeEntryName(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.includes('\0')) return 'name contains a NUL character';
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/')) return 'absolute path';
  if (/^[a-zA-Z]:/.test(slashed)) return 'drive letter in path';
  if (slashed.split('/').some((part) => part === '..'))
    return "path climbs out of the archive ('..')";
  const problem = yz.validateFileName(slashed);
  return problem;
}

/** Extracts every safe file entry of `zipPath` under `targetDir`; `prefix` names the archive. */
export async function extractZip(
  zipPath: string,
  prefix: string,
  targetDir: string,
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Promise<ZipEntryOutcome[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(
      zipPath,
      { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: true },
      (error, file) => (error || !file ? reject(error ?? new Error('no zip')) : resolve(file)),
    ),
  );
  const outcomes: ZipEntryOutcome[] = [];
  let total = 0;
  let count = 0;
  const openStream = (entry: yauzl.Entry) =>
    new Promise<Readable>((resolve, reject) =>
      zip.openReadStream(entry, (error, stream) =>
        error || !stream ? reject(error ?? new Error('no stream')) : resolve(stream),
      ),
    );

  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        void handle(entry).then(
          () => zip.readEntry(),
          (error: unknown) => reject(error as Error),
        );
      });
      zip.readEntry();
    });
  } finally {
    zip.close();
  }
  return outcomes;

  async function handle(entry: yauzl.Entry): Promise<void> {
    const raw = entry.fileName as unknown as Buffer;
    const name = yz.getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      raw,
      entry.extraFields as { id: number; data: Buffer }[],
      false,
    );
    const shown = `${prefix}/${name}`;
    if (name.endsWith('/') || name.endsWith('\\')) return; // a folder entry
    count += 1;
    const size = entry.uncompressedSize;
    const refuse = (reason: string) =>
      outcomes.push({ kind: 'refused', name: shown, size, reason });
    const unsafe = unsafeEntryName(name);
    if (unsafe) return void refuse(`Refused zip entry: ${unsafe}`);
    if (count > limits.maxEntries)
      return void refuse(`Refused zip entry: the archive has more than ${limits.maxEntries} files`);
    if (total + size > limits.maxTotalBytes)
      return void refuse('Refused zip entry: the archive expands beyond the size limit');
    if (size > 1024 * 1024 && size / Math.max(1, entry.compressedSize) > limits.maxRatio)
      return void refuse('Refused zip entry: compression ratio too high (zip bomb?)');
    if (entry.isEncrypted()) return void refuse('Refused zip entry: encrypted');
    total += size;
    const path = join(targetDir, ...name.replace(/\\/g, '/').split('/'));
    await mkdir(dirname(path), { recursive: true });
    try {
      await pipeline(await openStream(entry), createWriteStream(path));
    } catch (error) {
      return void refuse(`Could not extract: ${(error as Error).message}`);
    }
    outcomes.push({ kind: 'file', name: shown, path, size });
  }
}
