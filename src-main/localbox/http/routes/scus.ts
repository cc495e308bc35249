/** SCUs, DICOM peers to send images to (BEHAVIOR.md §17). Reads and send: any user; writes: admin. */
import { z } from 'zod';
import { ScuSendError } from '../../dimse/scu-sender.js';
import type { Engine } from '../../engine.js';
import { NotFound } from '../../system/errors.js';
import { jsonBody } from '../bodies.js';
import { HttpError } from '../errors.js';
import { paging, pathId } from '../query.js';
import { sendJson, sendNoContent } from '../replies.js';
import type { Routes } from '../routing.js';

const long = z.number().int();

/** All fields are required on input (§4.2), including the id the server ignores. */
const ScuDataSchema = z.object({
  id: long,
  name: z.string(),
  aeTitle: z.string(),
  host: z.string(),
  port: long,
});
const ImageIdsSchema = z.array(long);

export function registerScuRoutes(routes: Routes, engine: Engine): void {
  routes.add('GET', '/api/scus', 'user', (request, reply) => {
    const { startIndex, count } = paging(request);
    return sendJson(reply, 200, engine.scus.list(startIndex, count));
  });

  routes.add('POST', '/api/scus', 'admin', (request, reply) => {
    const input = jsonBody(request, ScuDataSchema);
    const { scu } = engine.scus.add({
      name: input.name,
      aeTitle: input.aeTitle,
      host: input.host,
      port: input.port,
    });
    return sendJson(reply, 201, scu);
  });

  routes.add('DELETE', '/api/scus/:id(^\\d+$)', 'admin', (request, reply) => {
    engine.scus.delete(pathId(request));
    return sendNoContent(reply);
  });

  // 204 when every found image was sent (unknown image ids are skipped and logged); 502 with Slicebox's message
  // when the peer cannot be reached or refuses (§17, §4.4), also written to the log as an ERROR (DECISIONS.md).
  routes.add('POST', '/api/scus/:id(^\\d+$)/send', 'user', async (request, reply) => {
    const imageIds = jsonBody(request, ImageIdsSchema);
    const id = pathId(request);
    const scu = engine.scus.get(id);
    if (!scu) throw new NotFound(`SCU with id ${id} not found`);
    try {
      await engine.scuService.send(scu, imageIds);
    } catch (e) {
      if (e instanceof ScuSendError) {
        logFailure(
          engine,
          `Sending ${imageIds.length} images using SCU ${scu.name} failed: ${e.message}`,
        );
        throw new HttpError(502, e.message);
      }
      throw e;
    }
    return sendNoContent(reply);
  });
}

/** A failed send is recorded even if the log cannot be written (the 502 still answers the client). */
function logFailure(engine: Engine, message: string): void {
  try {
    engine.log.add('ERROR', 'SCU', message);
  } catch {
    // The database is closing: the client still gets the 502 with the reason.
  }
}
