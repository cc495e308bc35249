/** Image upload and download (BEHAVIOR.md §10.1, 10.2). */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Engine } from '../../engine.js';
import { caller } from '../auth.js';
import { receiveUpload } from '../bodies.js';
import { pathId } from '../query.js';
import { sendJson, sendText } from '../replies.js';
import type { Routes } from '../routing.js';
import { MESSAGES } from '../../../slicebox/types.js';

export function registerImageRoutes(routes: Routes, engine: Engine): void {
  routes.add(
    'POST',
    '/api/images',
    'user',
    async (request, reply) => {
      const user = caller(request);
      const upload = await receiveUpload(request, engine.files);
      const result = await engine.ingest.ingest(upload.tempPath, {
        source: { sourceType: 'user', sourceName: user.user, sourceId: user.id },
        sopClasses: 'image-data-and-extended',
        reverseAnonymization: true,
      });
      return sendJson(reply, result.added ? 201 : 200, result.image);
    },
    { rawBody: true },
  );

  routes.add('GET', '/api/images/:id(^\\d+$)', 'user', async (request, reply) => {
    const id = pathId(request);
    if (!engine.metadata.image(id)) return sendText(reply, 404, MESSAGES.notFound);
    const path = engine.files.pathOf(id);
    let size: number;
    try {
      size = (await stat(path)).size;
    } catch {
      // Row without file (only possible after outside interference; start-up reconciliation removes such rows).
      return sendText(reply, 404, `File not found: ${path}`);
    }
    return reply
      .code(200)
      .type('application/octet-stream')
      .header('Content-Length', String(size))
      .send(createReadStream(path));
  });
}
