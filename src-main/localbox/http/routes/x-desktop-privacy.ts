/**
 * Desktop extension routes (not Slicebox; DECISIONS.md "Desktop extensions"): what a transfer would do to the
 * identifying attributes of stored images, without side effects.
 *
 * - `POST /api/x-desktop/anonymization/preview` body `{profile, force, imageTagValuesSet}` → 200
 *   `[{imageId, patientIdentityRemoved, anonymized, matchLevel?, attributes, error?}]`: each listed image run
 *   through the anonymizer exactly as `POST /images/{id}/anonymized` (`force: false`, box sends) or in-place
 *   anonymization (`force: true`) would, with the stored keys read but no key written. The profile is used
 *   exactly as given (callers prepend BASIC_PROFILE like the send and bulk routes do).
 * - `POST /api/x-desktop/anonymization/identity-removed` body `{imageIds}` → 200
 *   `[{imageId, patientIdentityRemoved, error?}]`: whether each image is flagged PatientIdentityRemoved = YES
 *   (what makes a box send pass it through unchanged, BEHAVIOR §11.1). Only the file's head is read.
 *
 * Unknown image ids are left out of the answers. A file that cannot be read or anonymized gets `error` instead
 * of failing the whole request; a bad profile is a 400 as on the anonymization routes.
 */
import { z } from 'zod';
import { prefetchKeyMatch } from '../../anonymization/index.js';
import type { AnonymizationPreview } from '../../anonymization/index.js';
import {
  asServiceError,
  validateProfile,
} from '../../anonymization-store/anonymization-service.js';
import type { Engine } from '../../engine.js';
import { jsonBody } from '../bodies.js';
import { sendJson } from '../replies.js';
import type { Routes } from '../routing.js';
import { ProfileSchema, TagValueSchema, profileOf, tagValuesOf } from './anonymization.js';

/** At most this many images per request (callers batch); previews anonymize each file twice. */
const MAX_PREVIEW_IMAGES = 200;
const MAX_FLAG_IMAGES = 5000;

const PreviewSchema = z.object({
  profile: ProfileSchema,
  force: z.boolean().default(false),
  imageTagValuesSet: z
    .array(z.object({ imageId: z.number().int(), tagValues: z.array(TagValueSchema) }))
    .max(MAX_PREVIEW_IMAGES),
});
const FlagsSchema = z.object({ imageIds: z.array(z.number().int()).max(MAX_FLAG_IMAGES) });

function reason(e: unknown): string {
  const mapped = asServiceError(e);
  return mapped instanceof Error ? mapped.message : String(mapped);
}

export function registerDesktopPrivacyRoutes(routes: Routes, engine: Engine): void {
  const stored = (imageId: number): string | undefined =>
    engine.metadata.image(imageId) ? engine.files.pathOf(imageId) : undefined;

  routes.add('POST', '/api/x-desktop/anonymization/preview', 'user', async (request, reply) => {
    const body = jsonBody(request, PreviewSchema);
    const profile = profileOf(body.profile);
    validateProfile(profile);
    const items = body.imageTagValuesSet.map((i) => ({
      imageId: i.imageId,
      tagValues: tagValuesOf(i.tagValues),
    }));
    const out: (
      (AnonymizationPreview & { imageId: number }) | { imageId: number; error: string }
    )[] = [];
    for (const { imageId, tagValues } of items) {
      const path = stored(imageId);
      if (!path) continue;
      try {
        // As anonymization does (anonymization-service.ts): the key's values are read in a worker, looked up
        // here (read only), and the preview runs in a worker with that answer.
        const label = `image ${imageId}`;
        const { values } = await engine.codec.run(
          'anonymize.keyValues',
          { path, force: body.force },
          { label },
        );
        const lookup = values
          ? prefetchKeyMatch(engine.anonymizationKeys, 'real', values)
          : undefined;
        const preview = await engine.codec.run(
          'anonymize.preview',
          { path, profile, tagValues, force: body.force, lookup },
          { label },
        );
        out.push({ imageId, ...preview });
      } catch (e) {
        out.push({ imageId, error: reason(e) });
      }
    }
    return sendJson(reply, 200, out);
  });

  routes.add(
    'POST',
    '/api/x-desktop/anonymization/identity-removed',
    'user',
    async (request, reply) => {
      const { imageIds } = jsonBody(request, FlagsSchema);
      const out: { imageId: number; patientIdentityRemoved: boolean; error?: string }[] = [];
      for (const imageId of new Set(imageIds)) {
        const path = stored(imageId);
        if (!path) continue;
        try {
          const { identityRemoved } = await engine.codec.run(
            'image.identityRemoved',
            { path },
            { label: `image ${imageId}` },
          );
          out.push({ imageId, patientIdentityRemoved: identityRemoved });
        } catch (e) {
          out.push({ imageId, patientIdentityRemoved: false, error: reason(e) });
        }
      }
      return sendJson(reply, 200, out);
    },
  );
}
