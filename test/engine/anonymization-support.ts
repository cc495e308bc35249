/** Helpers for the anonymization route tests: derived test files, request bodies, value checks. */
import { dictionaryVr } from '../../src-main/localbox/anonymization/dictionary.js';
import {
  findElement,
  parseDicomFile,
  removeElement,
  setElement,
  writeDicomFile,
} from '../../src-main/localbox/anonymization/dicom-codec.js';
import { stringElement, stringValue } from '../../src-main/localbox/anonymization/text-values.js';
import type { Image } from '../../src-main/slicebox/types.js';
import { rootValue } from '../unit/anonymization-support.js';
import type { TestBox } from './support.js';

export { dcmdumpStatus, rootValue, walk, writeTemp } from '../unit/anonymization-support.js';

export const TAG = {
  SOPInstanceUID: 0x00080018,
  AccessionNumber: 0x00080050,
  StudyDescription: 0x00081030,
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  PatientBirthDate: 0x00100030,
  PatientSex: 0x00100040,
  PatientIdentityRemoved: 0x00120062,
  DeidentificationMethod: 0x00120063,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  InstanceNumber: 0x00200013,
  FrameOfReferenceUID: 0x00200052,
  MediaStorageSOPInstanceUID: 0x00020003,
} as const;

/**
 * A copy of a DICOM file with root attributes replaced (`null` removes). A new SOPInstanceUID also becomes the
 * MediaStorageSOPInstanceUID.
 */
export function derive(base: Uint8Array, changes: Record<number, string | null>): Uint8Array {
  const file = parseDicomFile(base);
  for (const [key, value] of Object.entries(changes)) {
    const tag = Number(key);
    if (value === null) {
      removeElement(file.dataset, tag);
      continue;
    }
    const existing = findElement(file.dataset, tag);
    setElement(file.dataset, stringElement(tag, existing?.vr ?? dictionaryVr(tag), value));
    if (tag === TAG.SOPInstanceUID) {
      setElement(file.meta, stringElement(TAG.MediaStorageSOPInstanceUID, 'UI', value));
    }
  }
  return writeDicomFile(file);
}

export function valueOf(bytes: Uint8Array, tag: number): string {
  return stringValue(findElement(parseDicomFile(bytes).dataset, tag));
}

export interface TagValueBody {
  tagPath: { tag?: number; name?: string; item?: string };
  value: string;
}

export function anonymizationBody(options: string[], tagValues: TagValueBody[] = []): string {
  return JSON.stringify({ profile: { options: options.map((name) => ({ name })) }, tagValues });
}

export function putJson(
  t: TestBox,
  path: string,
  body: string,
  method = 'PUT',
  auth?: string,
): Promise<Response> {
  return t.api(path, {
    method,
    body,
    headers: { 'content-type': 'application/json' },
    ...(auth !== undefined ? { auth } : {}),
  });
}

export async function uploadImage(t: TestBox, data: Uint8Array): Promise<Image> {
  const res = await t.upload('/api/images', data);
  if (res.status !== 201 && res.status !== 200)
    throw new Error(`upload → ${res.status} ${await res.text()}`);
  return (await res.json()) as Image;
}

export async function download(t: TestBox, imageId: number): Promise<Uint8Array> {
  const res = await t.api(`/api/images/${imageId}`);
  if (res.status !== 200) throw new Error(`download ${imageId} → ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

/** Root value via the independent walker (dicom-parser), `undefined` when absent. */
export function rootText(bytes: Uint8Array, tag: number): string | undefined {
  return rootValue(bytes, tag)?.trim();
}
