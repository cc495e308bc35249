/** `POST /images/jpeg?studyid=&description=` (BEHAVIOR.md §10.10): 201 with the new Secondary Capture image. */
import { MESSAGES } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { newTempPath } from '../../storage/temp-path.js';
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
      await upload.written;
      // The Secondary Capture object is built in a worker and written (flushed) to a new temp file.
      const tempPath = newTempPath(engine.files);
      try {
        await engine.codec.run(
          'jpeg.secondaryCapture',
          {
            jpegPath: upload.path,
            outPath: tempPath,
            patient,
            study,
            seriesDescription: description,
          },
          { label: `JPEG for study ${studyId}` },
        );
      } catch (e) {
        await engine.files.discardTemp(tempPath);
        throw e;
      } finally {
        await engine.files.discardTemp(upload.path);
      }
      const result = await engine.ingest.ingest(tempPath, {
        source: { sourceType: 'user', sourceName: user.user, sourceId: user.id },
        sopClasses: 'image-data-and-extended',
      });
      return sendJson(reply, 201, result.image);
    },
    { rawBody: true },
  );
}
