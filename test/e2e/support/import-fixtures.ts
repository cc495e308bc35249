/** Test inputs for imports: zips with any entry names (hostile ones included) and DICOM copies. */
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';

const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof DicomParser;

/** A stored (uncompressed) zip; names are written as given, so `../x` and `/etc/x` are possible. */
export function zipBytes(entries: { name: string; data: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const crc = crc32(entry.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(0, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, entry.data);
    centrals.push(central, name);
    offset += local.length + name.length + entry.data.length;
  }
  const centralDir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centralDir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, centralDir, end]);
}

/** The SOP Instance UID of a DICOM file. */
export function sopInstanceUid(bytes: Buffer): string {
  const ds = dicomParser.parseDicom(bytes, { untilTag: 'x00080018' });
  return ds.string('x00080018')!.trim();
}

/**
 * Copies of a DICOM file, each with a new SOP Instance UID of the same length (meta header and dataset
 * both changed), so every copy is a distinct image to the server.
 */
export async function uniqueCopies(path: string, count: number, seed: number): Promise<Buffer[]> {
  const bytes = await readFile(path);
  const uid = sopInstanceUid(bytes);
  const tail = 8;
  const out: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const suffix = String(seed * 100_000 + i)
      .padStart(tail, '1')
      .slice(-tail);
    const next = uid.slice(0, uid.length - tail) + suffix;
    const copy = Buffer.from(bytes);
    let at = copy.indexOf(uid, 0, 'latin1');
    while (at !== -1) {
      copy.write(next, at, 'latin1');
      at = copy.indexOf(uid, at + uid.length, 'latin1');
    }
    out.push(copy);
  }
  return out;
}
