/**
 * The body Slicebox's Anonymization Details dialog sends with Anonymize and Send (WEB-UI §1.3): a profile
 * that always starts with BASIC_PROFILE, and per image the PatientName chosen for its patient (none when
 * the user pressed Keep Names: the profile decides).
 */
import type { AnonymizePatientName } from '../../../src-preload/contract.js';
import type { SliceboxClient } from '../../slicebox/client.js';
import type { BulkAnonymizationData, Image } from '../../slicebox/types.js';
import { eachLimited } from './each-limited.js';

const BASIC_PROFILE = 'BASIC_PROFILE';
/** (0010,0010) PatientName. */
const PATIENT_NAME_TAG = 0x00100010;

/** The custom value that sets an image's PatientName (as Slicebox's Anonymization Details sends it). */
export function patientNameValue(
  name: string,
): BulkAnonymizationData['imageTagValuesSet'][number]['tagValues'][number] {
  return { tagPath: { tag: PATIENT_NAME_TAG, name: 'PatientName' }, value: name };
}

/** BASIC_PROFILE first, then the other options once each, in the order given. */
export function profileOf(options: string[]): BulkAnonymizationData['profile'] {
  const names = [BASIC_PROFILE, ...options.filter((o) => o !== BASIC_PROFILE)];
  return { options: [...new Set(names)].map((name) => ({ name })) };
}

/** The patient of every image: image → series → study → patient (each series and study once). */
export async function patientsOf(
  client: SliceboxClient,
  images: Image[],
): Promise<Map<number, number>> {
  const studyOfSeries = new Map<number, number>();
  await eachLimited([...new Set(images.map((i) => i.seriesId))], 8, async (id) => {
    studyOfSeries.set(id, (await client.seriesById(id)).studyId);
  });
  const patientOfStudy = new Map<number, number>();
  await eachLimited([...new Set(studyOfSeries.values())], 8, async (id) => {
    patientOfStudy.set(id, (await client.study(id)).patientId);
  });
  const out = new Map<number, number>();
  for (const image of images) {
    const patientId = patientOfStudy.get(studyOfSeries.get(image.seriesId)!);
    if (patientId !== undefined) out.set(image.id, patientId);
  }
  return out;
}

/** The whole body for `images` (each image once, in order). */
export async function anonymizationBody(
  client: SliceboxClient,
  images: Image[],
  options: string[],
  patientNames: AnonymizePatientName[] = [],
): Promise<BulkAnonymizationData> {
  const nameOf = new Map(patientNames.map((p) => [p.patientId, p.name]));
  const patientOf = nameOf.size > 0 ? await patientsOf(client, images) : new Map<number, number>();
  const ids = [...new Set(images.map((i) => i.id))];
  return {
    profile: profileOf(options),
    imageTagValuesSet: ids.map((imageId) => {
      const name = nameOf.get(patientOf.get(imageId) ?? -1);
      return {
        imageId,
        tagValues: name === undefined ? [] : [patientNameValue(name)],
      };
    }),
  };
}
