/** `POST /images/jpeg?studyid=&description=` (BEHAVIOR.md §10.10): 201 with the new Secondary Capture image. */
import { readFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { MESSAGES } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { buildSecondaryCapture } from '../../jpeg/secondary-capture.js';
import { caller } from '../auth.js';
import { receiveUpload } from '../bodies.js';
import { HttpError } from '../errors.js';
import { param, requiredId } from '../query.js';
import { sendJson } from '../replies.js';
import type { Routes } from '../routing.js';

export function registerImageJpegRoutes(routes: Routes, engine: Engine): void {
  routes.add(
    'POST',
    '/api/images/jpeg',
    'user',
    async (request, reply) => {
      const studyId = requiredId(request, 'studyid');
      const description = param(request, 'description') ?? '';
      const study = engine.metadata.study(studyId);
      const patient = study && engine.metadata.patient(study.patientId);
      if (!study || !patient) throw new HttpError(404, MESSAGES.notFound);
      const user = caller(request);

      const upload = await receiveUpload(request, engine.files);
      let dicom: Uint8Array;
      try {
        const jpeg = await readFile(upload.tempPath);
        dicom = buildSecondaryCapture({ jpeg, patient, study, seriesDescription: description });
      } finally {
        await engine.files.discardTemp(upload.tempPath);
      }
      const tempPath = await engine.files.writeTemp(Readable.from([Buffer.from(dicom)]));
      const result = await engine.ingest.ingest(tempPath, {
        source: { sourceType: 'user', sourceName: user.user, sourceId: user.id },
        sopClasses: 'image-data-and-extended',
      });
      return sendJson(reply, 201, result.image);
    },
    { rawBody: true },
  );
}
