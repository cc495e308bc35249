/** Image upload and download (BEHAVIOR.md §10.1, 10.2). */
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
      const result = await engine.ingest.ingest(upload, {
        source: { sourceType: 'user', sourceName: user.user, sourceId: user.id },
        sopClasses: 'image-data-and-extended',
        reverseAnonymization: true,
      });
      return sendJson(reply, result.added ? 201 : 200, result.image);
    },
    { rawBody: true },
  );

  // One open, then size and bytes from that descriptor: an overwrite or delete racing with the read can change
  // which version is served, never mix two (see storage/file-store.ts).
  routes.add('GET', '/api/images/:id(^\\d+$)', 'user', async (request, reply) => {
    const id = pathId(request);
    if (!engine.metadata.image(id)) return sendText(reply, 404, MESSAGES.notFound);
    const opened = await engine.files.openStored(id);
    // No file: deleted meanwhile (or removed from outside; start-up reconciliation drops such rows).
    if (!opened) return sendText(reply, 404, `File not found: image ${id}`);
    const { handle, size } = opened;
    reply.code(200).type('application/octet-stream').header('Content-Length', String(size));
    if (size === 0) {
      await handle.close();
      return reply.send(Buffer.alloc(0));
    }
    // `end` bounds the stream to the size in Content-Length; the stream closes the handle when done or destroyed.
    return reply.send(handle.createReadStream({ start: 0, end: size - 1 }));
  });
}
