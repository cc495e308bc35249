/**
 * Which images are flagged PatientIdentityRemoved = YES (BEHAVIOR §11.1: a box send passes them through
 * unchanged). With the local box's extension one request per 2000 images reads only the files' heads; on
 * other servers each image's attribute list (`GET /images/{id}/attributes`, no pixel data) is read.
 */
import { SliceboxHttpError, type SliceboxClient } from '../../slicebox/client.js';
import { eachLimited } from '../actions/each-limited.js';
import { hasPrivacyExtension } from './extension.js';

const BATCH = 2000;
/** (0012,0062) PatientIdentityRemoved. */
const PATIENT_IDENTITY_REMOVED = 0x00120062;

export interface IdentityFlags {
  flagged: Set<number>;
  /** Images whose flag could not be read. */
  unreadable: number;
}

export async function identityFlags(
  client: SliceboxClient,
  imageIds: number[],
): Promise<IdentityFlags> {
  const flagged = new Set<number>();
  let unreadable = 0;
  if (imageIds.length === 0) return { flagged, unreadable };
  if (await hasPrivacyExtension(client)) {
    for (let start = 0; start < imageIds.length; start += BATCH) {
      for (const answer of await client.identityRemoved(imageIds.slice(start, start + BATCH))) {
        if (answer.error !== undefined) unreadable++;
        else if (answer.patientIdentityRemoved) flagged.add(answer.imageId);
      }
    }
    return { flagged, unreadable };
  }
  await eachLimited(imageIds, 8, async (imageId) => {
    try {
      const attributes = await client.imageAttributes(imageId);
      const flag = attributes.find(
        (a) => a.tagPath.tag === PATIENT_IDENTITY_REMOVED && !a.tagPath.previous,
      );
      if ((flag?.values[0] ?? '').trim().toUpperCase() === 'YES') flagged.add(imageId);
    } catch (error) {
      if (error instanceof SliceboxHttpError && error.status === 404) return;
      if (error instanceof SliceboxHttpError && error.status === 400) {
        unreadable++;
        return;
      }
      throw error;
    }
  });
  return { flagged, unreadable };
}
