/**
 * Previews computed in the app for servers without the local box's extension (any real Slicebox): each
 * sample image is downloaded (`GET /images/{id}`) and run through the local box's own anonymizer (the
 * pure library in src-main/localbox/anonymization) with the same profile, tag values and forcing the
 * server will use, harmonized with the server's keys (server-keys.ts). Nothing is written on the server:
 * `POST /images/{id}/anonymized` was not used because it records a key (a preview the user cancels would
 * still shape later pseudonyms and show up in the key list) and cannot preview forced anonymization.
 */
import {
  DicomParseError,
  identifyingValues,
  previewAnonymization,
  NoSuchOptionError,
  UnsupportedOptionError,
  type TagValue,
} from '../../localbox/anonymization/index.js';
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import type { XAnonymizationPreview } from '../../slicebox/types.js';
import { eachLimited } from '../actions/each-limited.js';
import { ServiceError } from '../service-error.js';
import { serverKeyLookup, type RealValues } from './server-keys.js';

const TAG = {
  PatientName: 0x00100010,
  PatientID: 0x00100020,
  StudyInstanceUID: 0x0020000d,
  SeriesInstanceUID: 0x0020000e,
  SOPInstanceUID: 0x00080018,
};

function realValuesOf(values: Map<number, string | null>): RealValues {
  const of = (tag: number) => values.get(tag) ?? '';
  return {
    patientName: of(TAG.PatientName),
    patientID: of(TAG.PatientID),
    studyInstanceUID: of(TAG.StudyInstanceUID),
    seriesInstanceUID: of(TAG.SeriesInstanceUID),
    sopInstanceUID: of(TAG.SOPInstanceUID),
  };
}

export async function previewInApp(
  client: SliceboxClient,
  items: { imageId: number; tagValues: TagValue[] }[],
  profile: string[],
  force: boolean,
): Promise<XAnonymizationPreview[]> {
  const files = new Map<number, Uint8Array>();
  await eachLimited(items, 4, async ({ imageId }) => {
    try {
      files.set(imageId, new Uint8Array(await client.downloadImage(imageId)));
    } catch (error) {
      if (!(error instanceof SliceboxHttpError && error.status === 404)) throw error;
    }
  });
  const reals: RealValues[] = [];
  const failed = new Map<number, string>();
  for (const [imageId, bytes] of files) {
    try {
      reals.push(realValuesOf(identifyingValues(bytes)));
    } catch (error) {
      failed.set(imageId, error instanceof Error ? error.message : String(error));
    }
  }
  const keys = await serverKeyLookup(client, reals);
  const out: XAnonymizationPreview[] = [];
  for (const { imageId, tagValues } of items) {
    const bytes = files.get(imageId);
    if (!bytes) continue;
    const problem = failed.get(imageId);
    if (problem !== undefined) {
      out.push({ imageId, error: problem });
      continue;
    }
    try {
      out.push({ imageId, ...previewAnonymization(bytes, { profile, keys, tagValues, force }) });
    } catch (error) {
      if (error instanceof NoSuchOptionError || error instanceof UnsupportedOptionError)
        throw new ServiceError('invalid-arguments', error.message);
      if (!(error instanceof DicomParseError)) throw error;
      out.push({ imageId, error: error.message });
    }
  }
  return out;
}
