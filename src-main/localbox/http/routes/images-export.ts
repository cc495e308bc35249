/** Export sets and the export archive (BEHAVIOR.md §10.9). */
import type { OutgoingHttpHeaders } from 'node:http';
import { z } from 'zod';
import { MESSAGES } from '../../../slicebox/types.js';
import type { Engine } from '../../engine.js';
import { exportEntries, writeZip } from '../../exporting/export-zip.js';
import { jsonBody } from '../bodies.js';
import { requiredId } from '../query.js';
import { sendJson, sendNoContent, sendText } from '../replies.js';
import type { Routes } from '../routing.js';

const ImageIds = z.array(z.number().int());
const DISPOSITION = 'attachment; filename=slicebox-export.zip';

export function registerImageExportRoutes(routes: Routes, engine: Engine): void {
  routes.add('POST', '/api/images/export', 'user', (request, reply) => {
    const ids = jsonBody(request, ImageIds);
    if (ids.length === 0) return sendNoContent(reply);
    return sendJson(reply, 200, { id: engine.exportSets.create(ids) });
  });

  routes.add('GET', '/api/images/export', 'user', async (request, reply) => {
    const setId = requiredId(request, 'id');
    reply.header('Content-Disposition', DISPOSITION);
    const imageIds = engine.exportSets.get(setId);
    if (!imageIds) return sendText(reply, 404, MESSAGES.notFound);
    const { entries, missing } = exportEntries(engine.db, imageIds);
    const absent = missing.concat(
      entries.filter((e) => !engine.files.exists(e.imageId)).map((e) => e.imageId),
    );
    if (absent.length > 0) {
      return sendText(
        reply,
        404,
        `File not found: images ${absent.join(', ')} of export set ${setId} no longer exist`,
      );
    }
    if (request.method === 'HEAD') return reply.code(200).type('application/octet-stream').send();
    // Written to the response directly, not as a stream handed to Fastify: each file's buffer is used again
    // once the socket has taken its bytes (exporting/read-buffers.ts), which needs the write callbacks.
    reply.hijack();
    const res = reply.raw;
    const headers: OutgoingHttpHeaders = {};
    for (const [name, value] of Object.entries(reply.getHeaders()))
      if (value !== undefined) headers[name] = value;
    res.writeHead(200, {
      ...headers,
      'content-type': 'application/octet-stream',
      server: 'slicebox',
    });
    try {
      await writeZip(entries, (id) => engine.files.pathOf(id), res);
      res.end();
    } catch {
      // A file that could not be read, or the client went away: a truncated download, never a silently
      // incomplete archive.
      res.destroy();
    }
    return reply;
  });
}
