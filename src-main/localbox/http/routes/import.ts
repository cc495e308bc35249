/** Import sessions (BEHAVIOR.md §14). */
import { z } from 'zod';
import type { ImportSession } from '../../../slicebox/types.js';
import { MESSAGES } from '../../../slicebox/types.js';
import { DicomError } from '../../dicom/errors.js';
import type { Engine } from '../../engine.js';
import { caller } from '../auth.js';
import { jsonBody, receiveUpload } from '../bodies.js';
import type { Upload } from '../bodies.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

const long = z.number().int();
/** All fields are required on input, though only `name` is used. */
const ImportSessionSchema = z.object({
  id: long,
  name: z.string(),
  userId: long,
  user: z.string(),
  filesImported: long,
  filesAdded: long,
  filesRejected: long,
  created: long,
  lastUpdated: long,
});

function errorReason(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function registerImportRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', '/api/import/sessions', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, engine.importSessions.list(startIndex, count));
  });

  routes.add('POST', '/api/import/sessions', 'user', (request, reply) => {
    const input = jsonBody(request, ImportSessionSchema);
    const session: ImportSession = engine.importSessions.create(input.name, caller(request));
    return sendJson(reply, 201, session);
  });

  routes.add('GET', '/api/import/sessions/:id(^\\d+$)', 'user', (request, reply) => {
    const session = engine.importSessions.get(pathId(request));
    return session ? sendJson(reply, 200, session) : sendText(reply, 404, MESSAGES.notFound);
  });

  routes.add('DELETE', '/api/import/sessions/:id(^\\d+$)', 'user', (request, reply) => {
    engine.importSessions.delete(pathId(request));
    return sendNoContent(reply);
  });

  routes.add('GET', '/api/import/sessions/:id(^\\d+$)/images', 'user', (request, reply) => {
    return sendJson(reply, 200, engine.importSessions.images(pathId(request)));
  });

  routes.add(
    'POST',
    '/api/import/sessions/:id(^\\d+$)/images',
    'user',
    async (request, reply) => {
      const session = engine.importSessions.get(pathId(request));
      if (!session) return sendText(reply, 404, MESSAGES.notFound);
      let upload: Upload | undefined;
      try {
        upload = await receiveUpload(request, engine.files);
        const result = await engine.ingest.ingest(upload, {
          source: { sourceType: 'import', sourceName: session.name, sourceId: session.id },
          sopClasses: 'image-data',
          reverseAnonymization: true,
          withinTransaction: (r) =>
            engine.importSessions.recordImported(session.id, r.image.id, r.added),
        });
        return sendJson(reply, result.added ? 201 : 200, result.image);
      } catch (e) {
        if (!(e instanceof DicomError)) throw e;
        const reason = errorReason(e);
        const fileName = upload?.fileName;
        engine.db.transaction(() => {
          engine.importSessions.recordRejected(session.id);
          engine.log.add(
            'ERROR',
            'Import',
            `Import session ${session.name} (id ${session.id}): file ${fileName ?? '(raw upload)'} rejected: ${reason}`,
          );
        })();
        return sendText(reply, 400, fileName !== undefined ? `${fileName}: ${reason}` : reason);
      }
    },
    { rawBody: true },
  );
}
