/**
 * Cheap look at a file's head before it is sent: is it DICOM Part 10, is it a DICOMDIR index, and what
 * are its SOP Instance UID (copies of one image), SOP class and transfer syntax (which copy to send first,
 * and readable rejections). Reads at most the first 64 KiB (the whole file only
 * when the UID lies further in and the file is small).
 */
import { createRequire } from 'node:module';
import { open } from 'node:fs/promises';
import { extname } from 'node:path';
import type * as DicomParser from 'dicom-parser';

const dicomParser = createRequire(import.meta.url)('dicom-parser') as typeof DicomParser;

const HEAD_BYTES = 64 * 1024;
const WHOLE_FILE_LIMIT = 16 * 1024 * 1024;
const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';
/** Names a user gives DICOM files: these are always sent, so a broken one gets the server's verdict. */
const DICOM_EXTENSIONS = new Set(['.dcm', '.dicom', '.dic', '.ima']);

export type Sniffed =
  | { kind: 'dicom'; sopInstanceUID?: string; sopClassUID?: string; transferSyntaxUID?: string }
  | { kind: 'dicomdir' }
  | { kind: 'not-dicom'; reason: string };

export async function sniffFile(path: string, name: string, size: number): Promise<Sniffed> {
  if (isDicomdirName(name)) return { kind: 'dicomdir' };
  const named = DICOM_EXTENSIONS.has(extname(name).toLowerCase());
  if (size === 0) {
    return named ? { kind: 'dicom' } : { kind: 'not-dicom', reason: 'Empty file' };
  }
  const handle = await open(path, 'r');
  let head: Buffer;
  try {
    const length = Math.min(size, HEAD_BYTES);
    head = Buffer.alloc(length);
    const { bytesRead } = await handle.read(head, 0, length, 0);
    head = head.subarray(0, bytesRead);
    const magic = head.length >= 132 && head.toString('latin1', 128, 132) === 'DICM';
    if (!magic) {
      return named
        ? { kind: 'dicom' }
        : {
            kind: 'not-dicom',
            reason: "Not a DICOM Part-10 file (no 'DICM' marker at byte 128)",
          };
    }
    let fields = readFields(head);
    if (!fields && size > head.length && size <= WHOLE_FILE_LIMIT) {
      const whole = Buffer.alloc(size);
      const { bytesRead } = await handle.read(whole, 0, size, 0);
      fields = readFields(whole.subarray(0, bytesRead));
    }
    if (fields?.mediaStorageSOPClassUID === DICOMDIR_SOP_CLASS) return { kind: 'dicomdir' };
    const out: Sniffed = { kind: 'dicom' };
    if (fields?.sopInstanceUID) out.sopInstanceUID = fields.sopInstanceUID;
    // As Slicebox validates it (BEHAVIOR.md §6.1): the meta header's class first, then the dataset's.
    const sopClass = fields?.mediaStorageSOPClassUID ?? fields?.sopClassUID;
    if (sopClass) out.sopClassUID = sopClass;
    if (fields?.transferSyntaxUID) out.transferSyntaxUID = fields.transferSyntaxUID;
    return out;
  } finally {
    await handle.close();
  }
}

export function isDicomdirName(name: string): boolean {
  const base = name.replace(/\\/g, '/').split('/').pop() ?? name;
  return base.toUpperCase() === 'DICOMDIR';
}

interface HeadFields {
  mediaStorageSOPClassUID?: string;
  sopInstanceUID?: string;
  sopClassUID?: string;
  transferSyntaxUID?: string;
}

/** The UIDs from the meta header and the dataset's head, or undefined when the bytes are too short. */
export function readFields(bytes: Uint8Array): HeadFields | undefined {
  try {
    const dataSet = dicomParser.parseDicom(bytes, { untilTag: 'x00080018' });
    const media = dataSet.string('x00020002')?.trim();
    const sop = dataSet.string('x00080018')?.trim() || dataSet.string('x00020003')?.trim();
    const sopClass = dataSet.string('x00080016')?.trim();
    const syntax = dataSet.string('x00020010')?.trim();
    return {
      mediaStorageSOPClassUID: media || undefined,
      sopInstanceUID: sop || undefined,
      sopClassUID: sopClass || undefined,
      transferSyntaxUID: syntax || undefined,
    };
  } catch {
    return undefined;
  }
}
